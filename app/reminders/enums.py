from enum import StrEnum


class ReminderKind(StrEnum):
    """What a reminder is about; a lead may opt out of each."""

    due = "due"
    overdue = "overdue"
    stale = "stale"
    digest = "digest"


class Mailing(StrEnum):
    """Where a mail stands: claimed by a run that is sending it, or taken by the server."""

    sending = "sending"
    sent = "sent"
