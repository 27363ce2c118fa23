"""The source statements. Other packages import these names from here; they load on first
use, because the commitments' tables refer to the documents' and the documents' reads to the
commitments'."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "DocumentAccess": "enums",
    "DocumentKind": "enums",
    "TextFormat": "enums",
    "DocumentParty": "models",
    "DocumentPublic": "models",
    "SourceDocument": "models",
    "readable": "queries",
    "readable_by_party": "queries",
    "reviewed_by": "queries",
    "describe": "service",
    "find_document": "service",
    "parties_of": "service",
}

if TYPE_CHECKING:
    from app.documents.enums import DocumentAccess, DocumentKind, TextFormat
    from app.documents.models import DocumentParty, DocumentPublic, SourceDocument
    from app.documents.queries import readable, readable_by_party, reviewed_by
    from app.documents.service import describe, find_document, parties_of

__all__ = [
    "DocumentAccess",
    "DocumentKind",
    "DocumentParty",
    "DocumentPublic",
    "SourceDocument",
    "TextFormat",
    "describe",
    "find_document",
    "parties_of",
    "readable",
    "readable_by_party",
    "reviewed_by",
]


__getattr__ = lazy_exports(__name__, _HOME)
