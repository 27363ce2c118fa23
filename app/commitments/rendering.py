"""A commitment rendered in its public JSON form, from its row and its links: one commitment in
one statement, a page's links in one more."""

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.commitments import deadlines
from app.commitments.linked import (
    ContactLink,
    Linked,
    PartyLink,
    linked_of,
    links_grouped,
    links_of,
)
from app.commitments.models import AssessmentPublic, Commitment, CommitmentPublic
from app.commitments.queries import (
    PageRow,
    PublicRow,
    archives_hidden_from,
    not_found,
    public_query,
    public_row_of,
)
from app.commitments.visibility import audience_of, visible_to
from app.core.db import AnySelect, BuiltStatements
from app.core.security import Principal
from app.core.time import today
from app.deadlines import DueRule, Recurrence

PublicForm = dict[str, Any]
"""A commitment in CommitmentPublic's JSON form (its fields, in its order), ready to
serialize: reads render these straight to bytes; other callers validate them into models."""


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


def one_public(*, session: Session, ref: str, principal: Principal | None) -> PublicForm:
    """One commitment the principal may see, in its public form; one statement."""
    return one_public_form(connection=session.connection(), ref=ref, principal=principal)


def one_public_form(
    *,
    connection: Connection,
    ref: str,
    principal: Principal | None,
    include_archived: bool = False,
    writer: Principal | None = None,
) -> PublicForm:
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
    return public_form_of(row, linked_of(found[_WIDTH]), today())


def public_forms_of(*, session: Session, rows: Sequence[PublicRow]) -> list[PublicForm]:
    """Public forms of page rows, their links read in one statement."""
    links = links_of(session, [row.id for row in rows])
    on = today()
    return [public_form_of(row, links[row.id], on) for row in rows]


def to_public(*, session: Session, rows: Sequence[PageRow]) -> list[CommitmentPublic]:
    """Public views of tracked commitments, as validated models."""
    forms = public_forms_of(session=session, rows=[public_row_of(row) for row in rows])
    return [CommitmentPublic.model_validate(form) for form in forms]


def public_of(
    *, session: Session, commitment: Commitment, writer: Principal | None
) -> CommitmentPublic:
    """A commitment just written (archived or not), in its public form for its writer, in one
    statement."""
    session.flush()
    form = one_public_form(
        connection=session.connection(),
        ref=commitment.ref,
        principal=None,
        include_archived=True,
        writer=writer,
    )
    return CommitmentPublic.model_validate(form)


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


def public_form_of(row: PublicRow, linked: Linked, on: date) -> PublicForm:
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
