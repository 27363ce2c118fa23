"""Every table, imported once so the metadata is complete for Alembic and the app."""

from app.areas.models import Framework, PriorityArea
from app.commitments.models import Commitment, CommitmentArea, CommitmentLead, CommitmentParty
from app.contacts.models import Contact
from app.core.metadata import metadata
from app.documents.models import SourceDocument
from app.meetings.models import Meeting, MeetingSeries
from app.parties.models import Organization, Party

__all__ = [
    "Commitment",
    "CommitmentArea",
    "CommitmentLead",
    "CommitmentParty",
    "Contact",
    "Framework",
    "Meeting",
    "MeetingSeries",
    "Organization",
    "Party",
    "PriorityArea",
    "SourceDocument",
    "metadata",
]
