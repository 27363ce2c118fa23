"""Public views of commitments: their links in one statement, and their past rebuilt from the
history."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Date,
    Integer,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.commitments import deadlines
from app.commitments.models import (
    AssessmentPublic,
    Commitment,
    CommitmentArea,
    CommitmentContact,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentPublic,
    CommitmentReleasability,
    CommitmentTopic,
    PartyRef,
)
from app.commitments.queries import (
    PageRow,
    PublicRow,
    archives_hidden_from,
    get_commitment,
    not_found,
    public_query,
    public_row_of,
)
from app.commitments.visibility import audience_of, visible_to
from app.core.db import AnySelect, BuiltStatements, IdsMatch, json_rows, per_dialect
from app.core.errors import NotFoundError
from app.core.metadata import SQLModel, id_of
from app.core.security import Principal
from app.core.time import today
from app.deadlines import CommitmentCycle, DueRule, Recurrence
from app.history import PastState, end_of, states_as_of
from app.reference import Contact, Meeting, Organization, Party, PriorityArea, Topic

Document = dict[str, Any]
"""A commitment in CommitmentPublic's JSON form (its fields, in its order), ready to
serialize: reads render these straight to bytes; other callers validate them into models."""


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


def _one_statement(
    principal: Principal | None, include_archived: bool, reader: Principal | None
) -> AnySelect:
    """One commitment the principal may see with its links, in one statement and one row,
    its source as `reader` may see it.

    The ref is looked up with the audience's conditions wherever the statement looks it up,
    the links' aggregate included: a commitment hidden from the principal costs the database
    the same work as a ref that does not exist (no links gathered, then dropped)."""
    readable = [col(Commitment.ref) == bindparam("ref"), *visible_to(principal)]
    if archives_hidden_from(principal, include_archived):
        readable.append(col(Commitment.archived_at).is_(None))
    target = sa_select(col(Commitment.id)).where(*readable).scalar_subquery()
    links_of_ref = links_grouped(lambda column: column == target).subquery()
    commitment_id, links = links_of_ref.c
    return (
        public_query(reader)
        .add_columns(links)
        .outerjoin(links_of_ref, commitment_id == col(Commitment.id))
        .where(*readable)
    )


# Built once per audience: a statement object caches its own cache key, and building this
# one costs more than running it.
_ONE: BuiltStatements[AnySelect] = BuiltStatements(64)
_WIDTH = len(PublicRow._fields)


def _linked(links: str | None) -> Linked:
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
        linked[commitment_id] = _linked(links)
    return linked


def one_public(*, session: Session, ref: str, principal: Principal | None) -> Document:
    """One commitment the principal may see, in its public form; one statement."""
    return one_document(connection=session.connection(), ref=ref, principal=principal)


def one_document(
    *,
    connection: Connection,
    ref: str,
    principal: Principal | None,
    include_archived: bool = False,
    writer: Principal | None = None,
) -> Document:
    """One commitment the principal may see, in its public form, read in one statement (one
    snapshot by itself, in a transaction or not); its source as the principal may see it, or
    as `writer` may when the system reads what `writer` just wrote."""
    reader = writer or principal
    key = (
        audience_of(principal),
        archives_hidden_from(principal, include_archived),
        audience_of(reader),
    )
    statement = _ONE.get(key, lambda: _one_statement(principal, include_archived, reader))
    found = connection.execute(statement, {"ref": ref}).first()
    if found is None:
        raise not_found(ref)
    row = PublicRow(*found[:_WIDTH])
    return document_of(row, _linked(found[_WIDTH]), today())


def documents_of(*, session: Session, rows: Sequence[PublicRow]) -> list[Document]:
    """Public forms of page rows, their links read in one statement."""
    links = links_of(session, [row.id for row in rows])
    on = today()
    return [document_of(row, links[row.id], on) for row in rows]


def to_public(*, session: Session, rows: Sequence[PageRow]) -> list[CommitmentPublic]:
    """Public views of tracked commitments, as validated models."""
    documents = documents_of(session=session, rows=[public_row_of(row) for row in rows])
    return [CommitmentPublic.model_validate(document) for document in documents]


def public_of(
    *, session: Session, commitment: Commitment, writer: Principal | None
) -> CommitmentPublic:
    """A commitment just written (archived or not), in its public form for its writer, in one
    statement."""
    session.flush()
    document = one_document(
        connection=session.connection(),
        ref=commitment.ref,
        principal=None,
        include_archived=True,
        writer=writer,
    )
    return CommitmentPublic.model_validate(document)


@lru_cache(maxsize=1024)
def _canonical(model: type[DueRule] | type[Recurrence], items: tuple[tuple[str, Any], ...]) -> Any:
    return model.model_validate(dict(items)).model_dump(mode="json")


def _rule(model: type[DueRule] | type[Recurrence], stored: dict[str, Any] | None) -> Any:
    """A stored rule in its public form; few distinct ones exist, so each is validated once."""
    return None if stored is None else _canonical(model, tuple(sorted(stored.items())))


@lru_cache(maxsize=4096)
def _assessment(party: str, items: tuple[tuple[str, Any], ...]) -> Any:
    return AssessmentPublic.model_validate({"party": party, **dict(items)}).model_dump(mode="json")


def _parties(links: list[PartyLink]) -> list[dict[str, Any]]:
    return [{"party": link.party, "organization": link.organization} for link in links]


def _contact(contact: ContactLink) -> dict[str, Any]:
    return {"id": contact.id, "name": contact.name, "kind": contact.kind}


def document_of(row: PublicRow, linked: Linked, on: date) -> Document:
    """A commitment in its public form, its compliance counted on `on`."""
    recurring = row.recurrence is not None
    cycles = linked.cycles if recurring else []
    return {
        "ref": row.ref,
        "title": row.title,
        "description": row.description,
        "source": {
            "document": row.document_slug,
            "document_title": row.document_title,
            "meeting": row.meeting_key,
            "quote": row.quote,
            "locator": {
                "paragraph": row.paragraph,
                "before": row.context_before,
                "after": row.context_after,
            },
        },
        "kind": row.kind,
        "parties": [link.party for link in linked.obligors],
        "obligors": _parties(linked.obligors),
        "counterparts": _parties(linked.counterparts),
        "areas": linked.areas,
        "brought_under_framework": row.brought_under_framework,
        "topics": linked.topics,
        "assessments": [
            _assessment(party, tuple(sorted(assessment.items())))
            for party, assessment in sorted((row.assessments or {}).items())
        ],
        "status": row.status,
        "due_date": row.due_date,
        "due_state": deadlines.due_state(row, cycles).value,
        "due_rule": _rule(DueRule, row.due_rule),
        "due_meeting": row.due_meeting_key,
        "recurrence": _rule(Recurrence, row.recurrence),
        "cycles": [deadlines.cycle_document(cycle, cycle.meeting) for cycle in cycles],
        "compliance": deadlines.compliance(cycles, on).model_dump() if recurring else None,
        "leads": [
            {"party": lead.party, "contact": _contact(lead.contact)} for lead in linked.leads
        ],
        "supporting_contacts": [_contact(contact) for contact in linked.supporting],
        "releasable_to": linked.releasable,
        "percent_complete": row.percent_complete,
        "last_note_on": row.last_note_on,
        "completed_on": row.completed_on,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "archived": row.archived_at is not None,
    }


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def past_cycles(state: PastState) -> list[CommitmentCycle]:
    """The cycles as they stood, as (unsaved) rows, in due order."""
    cycles = [
        CommitmentCycle(
            commitment_id=state.commitment_id,
            key=key,
            due_date=_as_date(cycle["due_date"]),
            status=cycle["status"],
            completed_on=_as_date(cycle["completed_on"]),
        )
        for key, cycle in state.cycles.items()
    ]
    return sorted(cycles, key=lambda c: (c.due_date is None, c.due_date or date.min, c.key))


def get_commitment_as_of(
    *, session: Session, ref: str, principal: Principal, on: date
) -> CommitmentPublic:
    """The commitment as it stood at the end of `on`, rebuilt from its history."""
    until = end_of(on)
    commitment = get_commitment(session=session, ref=ref, principal=principal, past_at=until)
    state = states_as_of(session=session, until=until, commitment_ids=[id_of(commitment)]).get(
        id_of(commitment)
    )
    if state is None or (state.get("archived", False) and not principal.is_admin):
        raise NotFoundError(f"Commitment {ref!r} was not in the register on {on.isoformat()}.")
    current = (
        session.connection()
        .execute(public_query(principal).where(col(Commitment.id) == commitment.id))
        .one()
    )
    row = PublicRow(*current)._replace(
        title=state.get("title", commitment.title),
        description=state.get("description"),
        status=state.get("status", commitment.status),
        kind=state.get("kind", commitment.kind),
        assessments=state.get("assessments"),
        brought_under_framework=state.get("brought_under_framework", False),
        due_date=_as_date(state.get("due_date")),
        due_rule=state.get("due_rule"),
        recurrence=state.get("recurrence"),
        percent_complete=state.get("percent_complete"),
        last_note_on=_as_date(state.get("last_note_on")),
        completed_on=_as_date(state.get("completed_on")),
        version=state.version,
        updated_at=state.changed_at or commitment.updated_at,
        archived_at=state.changed_at if state.get("archived", False) else None,
    )
    return CommitmentPublic.model_validate(document_of(row, _past_links(session, state), on))


def _past_links(session: Session, state: PastState) -> Linked:
    contact_ids = [*state.get("leads", {}).values(), *state.get("supporting_contacts", [])]
    contacts = {
        contact.id: contact
        for contact in session.connection().execute(
            sa_select(col(Contact.id), col(Contact.name), col(Contact.kind)).where(
                col(Contact.id).in_(contact_ids)
            )
        )
    }
    return Linked(
        obligors=_party_links(state.get("parties", []), state.get("obligor_organizations", {})),
        counterparts=_party_links(
            state.get("counterparts", []), state.get("counterpart_organizations", {})
        ),
        areas=state.get("areas", []),
        topics=state.get("topics", []),
        leads=[
            LeadLink(party, ContactLink._make(contacts[contact_id]))
            for party, contact_id in sorted(state.get("leads", {}).items())
            if contact_id in contacts
        ],
        supporting=[
            ContactLink._make(contacts[i])
            for i in state.get("supporting_contacts", [])
            if i in contacts
        ],
        releasable=state.get("releasable_to", []),
        cycles=[
            CycleLink(
                c.key,
                state.cycles[c.key].get("meeting"),
                c.due_date,
                c.status,
                c.completed_on,
                order,
            )
            for order, c in enumerate(past_cycles(state))
        ],
    )


def _party_links(codes: list[str], organizations: dict[str, str]) -> list[PartyLink]:
    return [PartyLink(code, organizations.get(code)) for code in sorted(codes)]


EXPORT_COLUMNS = [
    "ref",
    "title",
    "kind",
    "status",
    "due_date",
    "due_state",
    "parties",
    "obligors",
    "counterparts",
    "areas",
    "brought_under_framework",
    "topics",
    "leads",
    "releasable_to",
    "document",
    "meeting",
    "quote",
    "percent_complete",
    "last_note_on",
    "version",
    "updated_at",
]


def _named_parties(refs: list[PartyRef]) -> list[str]:
    return [f"{r.party} ({r.organization})" if r.organization else r.party for r in refs]


def export_row(c: CommitmentPublic) -> list[Any]:
    """A commitment as a row of EXPORT_COLUMNS."""
    return [
        c.ref,
        c.title,
        c.kind.value,
        c.status.value,
        c.due_date,
        c.due_state.value,
        c.parties,
        _named_parties(c.obligors),
        _named_parties(c.counterparts),
        c.areas,
        c.brought_under_framework,
        c.topics,
        [f"{lead.party}: {lead.contact.name}" for lead in c.leads],
        c.releasable_to,
        c.source.document,
        c.source.meeting,
        c.source.quote,
        c.percent_complete,
        c.last_note_on,
        c.version,
        c.updated_at.isoformat(),
    ]
