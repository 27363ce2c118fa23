"""A commitment as a row of the CSV and Markdown exports."""

from typing import Any

from app.commitments.models import CommitmentPublic, PartyRef

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
