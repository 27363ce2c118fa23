"""Public views of commitments: their links in one statement, and their past rebuilt from the
history."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    cast,
    literal_column,
    null,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from app.areas.models import PriorityArea, Topic
from app.commitments.enums import CommitmentKind, CommitmentStatus
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
    LeadPublic,
    Locator,
    PartyRef,
    SourcePublic,
)
from app.commitments.queries import PageRow, get_commitment, hidden_from, not_found, page_query
from app.commitments.visibility import visible_to
from app.contacts.enums import ContactKind
from app.contacts.models import Contact, ContactRef
from app.core.errors import (
    NotFoundError,
)
from app.core.metadata import SQLModel, id_of
from app.core.security import Principal
from app.core.time import today
from app.deadlines import service as deadlines
from app.deadlines.models import CommitmentCycle, DueRule, Recurrence
from app.history.replay import PastState, end_of, states_as_of
from app.parties.models import Organization, Party

_BY_REF = page_query().where(col(Commitment.ref) == bindparam("ref"))


def get_commitment_public(
    *, session: Session, ref: str, principal: Principal | None
) -> CommitmentPublic:
    row = session.execute(_BY_REF.where(*visible_to(principal)), {"ref": ref}).first()
    if row is None or hidden_from(row[0].archived_at, principal, False):
        raise not_found(ref)
    return to_public(session=session, rows=[PageRow(*row)])[0]


_BY_ID = page_query().where(col(Commitment.id) == bindparam("id"))


def public_of(*, session: Session, commitment: Commitment) -> CommitmentPublic:
    rows = session.execute(_BY_ID, {"id": commitment.id})
    return to_public(session=session, rows=[PageRow(*row) for row in rows])[0]


@dataclass
class Linked:
    """What one commitment links to, in its public form."""

    obligors: list[PartyRef] = field(default_factory=list)
    counterparts: list[PartyRef] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    leads: list[LeadPublic] = field(default_factory=list)
    supporting: list[ContactRef] = field(default_factory=list)
    releasable: list[str] = field(default_factory=list)

    def sort(self) -> None:
        self.obligors.sort(key=lambda ref: ref.party)
        self.counterparts.sort(key=lambda ref: ref.party)
        self.topics.sort()
        self.releasable.sort()
        self.leads.sort(key=lambda lead: lead.party)
        self.supporting.sort(key=lambda contact: (contact.name, contact.id))


def assessments_of(assessments: dict[str, Any] | None) -> list[AssessmentPublic]:
    return [
        AssessmentPublic(party=party, **assessment)
        for party, assessment in sorted((assessments or {}).items())
    ]


def party_refs_of(codes: list[str], organizations: dict[str, str]) -> list[PartyRef]:
    return [PartyRef(party=code, organization=organizations.get(code)) for code in sorted(codes)]


def _no(kind: type[Integer] | type[String]) -> ColumnElement[Any]:
    return cast(null(), kind())


IdsIn = Callable[[Mapped[int]], ColumnElement[bool]]


def _links_statement(in_ids: IdsIn) -> CompoundSelect[Any]:
    """Every link of the commitments `:ids` in one statement: a row per link, tagged by kind."""

    def tagged(kind: str) -> ColumnElement[str]:
        return literal_column(f"'{kind}'", String)

    def by_party(
        link: type[CommitmentParty] | type[CommitmentCounterpart], kind: str
    ) -> Select[Any]:
        # The organization's code rides in the name column.
        return (
            sa_select(
                col(link.commitment_id),
                tagged(kind),
                col(Party.code),
                _no(Integer),
                col(Organization.code),
                _no(String),
            )
            .join(Party, col(Party.id) == col(link.party_id))
            .outerjoin(Organization, col(Organization.id) == col(link.organization_id))
            .where(in_ids(col(link.commitment_id)))
        )

    def named(
        commitment_id: int,
        kind: str,
        name: str,
        joined: type[SQLModel],
        on: ColumnElement[bool],
        position: int | None = None,
    ) -> Select[Any]:
        """A link that reads as one name (and a position, for areas) of the joined table."""
        return (
            sa_select(
                col(commitment_id),
                tagged(kind),
                col(name),
                _no(Integer) if position is None else col(position),
                _no(String),
                _no(String),
            )
            .join(joined, on)
            .where(in_ids(col(commitment_id)))
        )

    releasable = named(
        CommitmentReleasability.commitment_id,
        "releasable",
        Party.code,
        Party,
        col(Party.id) == col(CommitmentReleasability.party_id),
    )
    topics = named(
        CommitmentTopic.commitment_id,
        "topic",
        Topic.slug,
        Topic,
        col(Topic.id) == col(CommitmentTopic.topic_id),
    )
    areas = named(
        CommitmentArea.commitment_id,
        "area",
        PriorityArea.slug,
        PriorityArea,
        col(PriorityArea.id) == col(CommitmentArea.area_id),
        position=PriorityArea.position,
    )
    leads = (
        sa_select(
            col(CommitmentLead.commitment_id),
            tagged("lead"),
            col(Party.code),
            col(Contact.id),
            col(Contact.name),
            col(Contact.kind),
        )
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(in_ids(col(CommitmentLead.commitment_id)))
    )
    supporting = (
        sa_select(
            col(CommitmentContact.commitment_id),
            tagged("contact"),
            _no(String),
            col(Contact.id),
            col(Contact.name),
            col(Contact.kind),
        )
        .join(Contact, col(Contact.id) == col(CommitmentContact.contact_id))
        .where(in_ids(col(CommitmentContact.commitment_id)))
    )
    return union_all(
        by_party(CommitmentParty, "party"),
        by_party(CommitmentCounterpart, "counterpart"),
        releasable,
        topics,
        areas,
        leads,
        supporting,
    )


# Built once: a statement object caches its own cache key, and building this one costs more
# than running it. PostgreSQL takes the ids as one array, so the statement's text is the same
# for every page and the server parses and plans it once per connection, not per request.
LINKS = {
    "postgresql": _links_statement(
        lambda column: column == any_(bindparam("ids", type_=ARRAY(Integer)))
    ),
    "sqlite": _links_statement(lambda column: column.in_(bindparam("ids", expanding=True))),
}


def links_of(session: Session, ids: list[int]) -> dict[int, Linked]:
    linked: dict[int, Linked] = defaultdict(Linked)
    area_positions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    connection = session.connection()
    links = LINKS[connection.dialect.name]
    for commitment_id, kind, code, number, name, contact_kind in connection.execute(
        links, {"ids": ids}
    ):
        found = linked[commitment_id]
        match kind:
            case "party":
                found.obligors.append(PartyRef(party=code, organization=name))
            case "counterpart":
                found.counterparts.append(PartyRef(party=code, organization=name))
            case "releasable":
                found.releasable.append(code)
            case "area":
                area_positions[commitment_id].append((number, code))
            case "topic":
                found.topics.append(code)
            case "lead":
                contact = ContactRef(id=number, name=name, kind=ContactKind(contact_kind))
                found.leads.append(LeadPublic(party=code, contact=contact))
            case _:
                contact = ContactRef(id=number, name=name, kind=ContactKind(contact_kind))
                found.supporting.append(contact)
    for commitment_id, positions in area_positions.items():
        linked[commitment_id].areas = [slug for _, slug in sorted(positions)]
    for found in linked.values():
        found.sort()
    return linked


def to_public(*, session: Session, rows: Sequence[PageRow]) -> list[CommitmentPublic]:
    """Public views of page rows: their links in one statement, cycles in one more if any
    of them recurs."""
    if not rows:
        return []
    ids = [id_of(row.commitment) for row in rows]
    links = links_of(session, ids)
    recurring = [id_of(row.commitment) for row in rows if row.commitment.recurrence is not None]
    cycles = deadlines.cycles_with_meetings(session, recurring)
    return [
        public_view(row, links[key], cycles.get(key, []))
        for row in rows
        for key in [id_of(row.commitment)]
    ]


def contact_ref(contact: Contact) -> ContactRef:
    return ContactRef(id=id_of(contact), name=contact.name, kind=ContactKind(contact.kind))


def public_view(
    row: PageRow, linked: Linked, cycles: list[tuple[CommitmentCycle, str | None]]
) -> CommitmentPublic:
    commitment = row.commitment
    cycle_rows = [cycle for cycle, _ in cycles]
    recurring = commitment.recurrence is not None
    return CommitmentPublic(
        ref=commitment.ref,
        title=commitment.title,
        description=commitment.description,
        source=SourcePublic(
            document=row.document_slug,
            document_title=row.document_title,
            meeting=row.meeting_key,
            quote=commitment.quote,
            locator=Locator(
                paragraph=commitment.paragraph,
                before=commitment.context_before,
                after=commitment.context_after,
            ),
        ),
        kind=CommitmentKind(commitment.kind),
        parties=[ref.party for ref in linked.obligors],
        obligors=linked.obligors,
        counterparts=linked.counterparts,
        areas=linked.areas,
        brought_under_framework=commitment.brought_under_framework,
        topics=linked.topics,
        assessments=assessments_of(commitment.assessments),
        status=CommitmentStatus(commitment.status),
        due_date=commitment.due_date,
        due_state=deadlines.due_state(commitment, cycle_rows),
        due_rule=DueRule.model_validate(commitment.due_rule) if commitment.due_rule else None,
        due_meeting=row.due_meeting_key,
        recurrence=Recurrence.model_validate(commitment.recurrence) if recurring else None,
        cycles=[deadlines.cycle_public(cycle, key) for cycle, key in cycles],
        compliance=deadlines.compliance(cycle_rows, today()) if recurring else None,
        leads=linked.leads,
        supporting_contacts=linked.supporting,
        releasable_to=linked.releasable,
        percent_complete=commitment.percent_complete,
        last_note_on=commitment.last_note_on,
        completed_on=commitment.completed_on,
        version=commitment.version,
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        archived=commitment.archived_at is not None,
    )


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
    row = PageRow(*session.execute(page_query().where(col(Commitment.id) == commitment.id)).one())
    contact_ids = [*state.get("leads", {}).values(), *state.get("supporting_contacts", [])]
    contacts = {
        id_of(contact): contact
        for contact in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids)))
    }
    cycles = past_cycles(state)
    past = Commitment(
        **{
            **commitment.model_dump(),
            "title": state.get("title", commitment.title),
            "description": state.get("description"),
            "status": state.get("status", commitment.status),
            "kind": state.get("kind", commitment.kind),
            "assessments": state.get("assessments"),
            "brought_under_framework": state.get("brought_under_framework", False),
            "due_date": _as_date(state.get("due_date")),
            "due_rule": state.get("due_rule"),
            "recurrence": state.get("recurrence"),
            "percent_complete": state.get("percent_complete"),
            "last_note_on": _as_date(state.get("last_note_on")),
            "completed_on": _as_date(state.get("completed_on")),
            "version": state.version,
            "updated_at": state.changed_at or commitment.updated_at,
            "archived_at": state.changed_at if state.get("archived", False) else None,
        }
    )
    linked = Linked(
        obligors=party_refs_of(state.get("parties", []), state.get("obligor_organizations", {})),
        counterparts=party_refs_of(
            state.get("counterparts", []), state.get("counterpart_organizations", {})
        ),
        areas=state.get("areas", []),
        topics=state.get("topics", []),
        leads=[
            LeadPublic(party=party, contact=contact_ref(contacts[contact_id]))
            for party, contact_id in sorted(state.get("leads", {}).items())
            if contact_id in contacts
        ],
        supporting=[
            contact_ref(contacts[i]) for i in state.get("supporting_contacts", []) if i in contacts
        ],
        releasable=state.get("releasable_to", []),
    )
    public = public_view(
        row._replace(commitment=past),
        linked,
        [(cycle, state.cycles[cycle.key].get("meeting")) for cycle in cycles],
    )
    if public.compliance is not None:
        public.compliance = deadlines.compliance(cycles, on)
    return public


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


def _named(refs: list[PartyRef]) -> list[str]:
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
        _named(c.obligors),
        _named(c.counterparts),
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
