"""Progress notes: what was done, by whom, and how far along."""

from app.progress import service
from app.progress.models import NoteCreate, NoteList, NotePublic, ProgressNote
from app.progress.service import statement_evidence

__all__ = [
    "NoteCreate",
    "NoteList",
    "NotePublic",
    "ProgressNote",
    "service",
    "statement_evidence",
]
