"""Every table, imported once so the metadata is complete for Alembic and the app."""

from app.areas.models import AreaLead, Framework, PriorityArea, Topic
from app.board.models import BoardSession
from app.commitments import (
    Commitment,
    CommitmentArea,
    CommitmentContact,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    CommitmentTopic,
)
from app.contacts.models import Contact
from app.core.changes import RegisterState
from app.core.idempotent_answers import IdempotentAnswer
from app.core.metadata import metadata
from app.deadlines.models import CommitmentCycle
from app.documents.models import DocumentParty, SourceDocument
from app.history.models import CommitmentHistory
from app.history.outbox import WebhookEvent
from app.ingest.models import Candidate
from app.jobs.models import JobRun
from app.meetings.models import Meeting, MeetingSeries
from app.parties.models import Organization, Party
from app.progress.models import ProgressNote
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
