"""The statements, as the desks read them: each with what the register holds of it."""

from app.documents import service
from app.documents.service import describe, find_document, parties_of

__all__ = [
    "describe",
    "find_document",
    "parties_of",
    "service",
]
