"""Priority areas and topics as the desks see them: each with its leads and the progress of
the commitments under it."""

from app.areas import service

__all__ = [
    "service",
]
