"""What commitments link to (parties, tags, contacts, releasability, cycles), read for many
commitments in one statement."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    String,
    cast,
    literal_column,
    null,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.commitments.models import (
    CommitmentArea,
    CommitmentContact,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    CommitmentTopic,
)
from app.core.db import AnySelect, IdsMatch, json_rows, per_dialect
from app.core.metadata import SQLModel
from app.deadlines import CommitmentCycle
from app.reference import Contact, Meeting, Organization, Party, PriorityArea, Topic


class PartyLink(NamedTuple):
    party: str
    organization: str | None


class ContactLink(NamedTuple):
    id: int
    name: str
    kind: str


class LeadLink(NamedTuple):
    party: str
    contact: ContactLink


class CycleLink(NamedTuple):
    key: str
    meeting: str | None
    due_date: date | None
    status: str
    completed_on: date | None
    order: int


@dataclass
class Linked:
    """What one commitment links to: parties, tags, contacts, releasability and cycles."""

    obligors: list[PartyLink] = field(default_factory=list)
    counterparts: list[PartyLink] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    leads: list[LeadLink] = field(default_factory=list)
    supporting: list[ContactLink] = field(default_factory=list)
    releasable: list[str] = field(default_factory=list)
    cycles: list[CycleLink] = field(default_factory=list)
    area_positions: list[tuple[int, str]] = field(default_factory=list)

    def add(self, link: Sequence[Any]) -> None:
        """One row of the links statement, after its commitment id (as JSON: days are
        ISO strings)."""
        kind, code, number, name, extra, first_day, second_day = link
        match kind:
            case "party":
                self.obligors.append(PartyLink(code, name))
            case "counterpart":
                self.counterparts.append(PartyLink(code, name))
            case "releasable":
                self.releasable.append(code)
            case "area":
                self.area_positions.append((number, code))
            case "topic":
                self.topics.append(code)
            case "lead":
                self.leads.append(LeadLink(code, ContactLink(number, name, extra)))
            case "contact":
                self.supporting.append(ContactLink(number, name, extra))
            case "cycle":
                due, completed = _as_date(first_day), _as_date(second_day)
                self.cycles.append(CycleLink(code, name, due, extra, completed, number))

    def sort(self) -> "Linked":
        self.obligors.sort()
        self.counterparts.sort()
        self.topics.sort()
        self.releasable.sort()
        self.leads.sort(key=lambda lead: lead.party)
        self.supporting.sort(key=lambda contact: (contact.name, contact.id))
        self.areas = [slug for _, slug in sorted(self.area_positions)]
        # Due order, undated last, as the cycles were made.
        self.cycles.sort(key=lambda c: (c.due_date is None, c.due_date or date.min, c.order))
        return self


def _no(kind: type[Integer] | type[String] | type[Date]) -> ColumnElement[Any]:
    return cast(null(), kind())


def _tagged(kind: str) -> ColumnElement[str]:
    return literal_column(f"'{kind}'", String)


def _by_party(
    in_ids: IdsMatch, link: type[CommitmentParty] | type[CommitmentCounterpart], kind: str
) -> AnySelect:
    # The organization's code rides in the name column. The first statement of the union
    # names its columns.
    return (
        sa_select(
            col(link.commitment_id).label("commitment_id"),
            _tagged(kind).label("kind"),
            col(Party.code).label("code"),
            _no(Integer).label("number"),
            col(Organization.code).label("name"),
            _no(String).label("extra"),
            _no(Date).label("first_day"),
            _no(Date).label("second_day"),
        )
        .join(Party, col(Party.id) == col(link.party_id))
        .outerjoin(Organization, col(Organization.id) == col(link.organization_id))
        .where(in_ids(col(link.commitment_id)))
    )


def _named(
    in_ids: IdsMatch,
    commitment_id: int,
    kind: str,
    name: str,
    joined: type[SQLModel],
    on: ColumnElement[bool],
    position: int | None = None,
) -> AnySelect:
    """A link that reads as one name (and a position, for areas) of the joined table."""
    return (
        sa_select(
            col(commitment_id),
            _tagged(kind),
            col(name),
            _no(Integer) if position is None else col(position),
            _no(String),
            _no(String),
            _no(Date),
            _no(Date),
        )
        .join(joined, on)
        .where(in_ids(col(commitment_id)))
    )


def _contacts(in_ids: IdsMatch, link: type[CommitmentLead] | type[CommitmentContact]) -> AnySelect:
    lead = link is CommitmentLead
    statement = sa_select(
        col(link.commitment_id),
        _tagged("lead" if lead else "contact"),
        col(Party.code) if lead else _no(String),
        col(Contact.id),
        col(Contact.name),
        col(Contact.kind),
        _no(Date),
        _no(Date),
    ).join(Contact, col(Contact.id) == col(link.contact_id))
    if lead:
        statement = statement.join(Party, col(Party.id) == col(CommitmentLead.party_id))
    return statement.where(in_ids(col(link.commitment_id)))


def _cycles(in_ids: IdsMatch) -> AnySelect:
    return (
        sa_select(
            col(CommitmentCycle.commitment_id),
            _tagged("cycle"),
            col(CommitmentCycle.key),
            col(CommitmentCycle.id),
            col(Meeting.key),
            col(CommitmentCycle.status),
            col(CommitmentCycle.due_date),
            col(CommitmentCycle.completed_on),
        )
        .outerjoin(Meeting, col(Meeting.id) == col(CommitmentCycle.meeting_id))
        .where(in_ids(col(CommitmentCycle.commitment_id)))
    )


def links_statement(in_ids: IdsMatch) -> CompoundSelect[Any]:
    """Every link of the commitments `in_ids` selects, in one statement: a row per link,
    tagged by kind (Linked.add reads them)."""
    return union_all(
        _by_party(in_ids, CommitmentParty, "party"),
        _by_party(in_ids, CommitmentCounterpart, "counterpart"),
        _named(
            in_ids,
            CommitmentReleasability.commitment_id,
            "releasable",
            Party.code,
            Party,
            col(Party.id) == col(CommitmentReleasability.party_id),
        ),
        _named(
            in_ids,
            CommitmentTopic.commitment_id,
            "topic",
            Topic.slug,
            Topic,
            col(Topic.id) == col(CommitmentTopic.topic_id),
        ),
        _named(
            in_ids,
            CommitmentArea.commitment_id,
            "area",
            PriorityArea.slug,
            PriorityArea,
            col(PriorityArea.id) == col(CommitmentArea.area_id),
            position=PriorityArea.position,
        ),
        _contacts(in_ids, CommitmentLead),
        _contacts(in_ids, CommitmentContact),
        _cycles(in_ids),
    )


def links_grouped(in_ids: IdsMatch) -> AnySelect:
    """The links of the commitments `in_ids` selects, one row per commitment: its id and its
    links as a JSON array of links_statement's rows (Linked.add reads each)."""
    links = links_statement(in_ids).subquery()
    commitment_id, *link_columns = links.c
    return sa_select(commitment_id, json_rows(*link_columns)).group_by(commitment_id)


# Built once: a statement object caches its own cache key, and building this one costs more
# than running it.
LINKS = per_dialect(links_grouped)


def linked_of(links: str | None) -> Linked:
    """One commitment's links, from its JSON array of links_grouped (None: it has none)."""
    linked = Linked()
    for link in orjson.loads(links) if links else ():
        linked.add(link)
    return linked.sort()


def links_of(session: Session, ids: list[int]) -> dict[int, Linked]:
    """The links of the commitments `ids`, in one statement of one row per commitment."""
    linked: dict[int, Linked] = defaultdict(Linked)
    if not ids:
        return linked
    connection = session.connection()
    for commitment_id, links in connection.execute(LINKS[connection.dialect.name], {"ids": ids}):
        linked[commitment_id] = linked_of(links)
    return linked


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value
