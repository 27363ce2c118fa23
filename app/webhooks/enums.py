from enum import StrEnum

from app.history import EventType

__all__ = ["DeliveryState", "EventType"]


class DeliveryState(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    # Not sent: the endpoint's party no longer saw the commitment (or that state of it) when
    # it was due. Ended for good; never redelivered.
    withheld = "withheld"
