from enum import StrEnum


class EventType(StrEnum):
    created = "commitment.created"
    changed = "commitment.changed"
    status_changed = "commitment.status_changed"
    archived = "commitment.archived"
    note_added = "note.added"
    overdue = "commitment.overdue"
    candidate_accepted = "candidate.accepted"


class DeliveryState(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    # Not sent: the endpoint's party no longer saw the commitment (or that state of it) when
    # it was due. Ended for good; never redelivered.
    withheld = "withheld"
