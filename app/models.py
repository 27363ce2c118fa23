"""Every table, imported once so the metadata is complete for Alembic and the app."""

from app.board.models import BoardSession
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentContact,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    CommitmentTopic,
)
from app.core.changes import RegisterState
from app.core.idempotent_answers import IdempotentAnswer
from app.core.metadata import metadata
from app.deadlines.models import CommitmentCycle
from app.history.models import CommitmentHistory
from app.history.outbox import WebhookEvent
from app.ingest.models import Candidate
from app.jobs.models import JobRun
from app.progress.models import ProgressNote
from app.reference.areas import AreaLead, Framework, PriorityArea, Topic
from app.reference.contacts import Contact
from app.reference.documents import DocumentParty, SourceDocument
from app.reference.meetings import Meeting, MeetingSeries
from app.reference.parties import Organization, Party
from app.reminders.models import PartyDigestSent, ReminderSent
from app.users.models import ApiToken, UserAccount
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiToken",
    "AreaLead",
    "BoardSession",
    "Candidate",
    "Commitment",
    "CommitmentArea",
    "CommitmentContact",
    "CommitmentCounterpart",
    "CommitmentCycle",
    "CommitmentHistory",
    "CommitmentLead",
    "CommitmentParty",
    "CommitmentReleasability",
    "CommitmentTopic",
    "Contact",
    "DocumentParty",
    "Framework",
    "IdempotentAnswer",
    "JobRun",
    "Meeting",
    "MeetingSeries",
    "Organization",
    "Party",
    "PartyDigestSent",
    "PriorityArea",
    "ProgressNote",
    "RegisterState",
    "ReminderSent",
    "SourceDocument",
    "Topic",
    "UserAccount",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "metadata",
]
