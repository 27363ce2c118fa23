"""A new statement into candidate commitments: its text into paragraphs and sentences, and
the extraction guide's rules over them. Others use `propose`, `Statement`, `Proposal`,
`paragraphs_of` and `TextFormat`."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "BulkDecision": "models",
    "CandidateEdits": "models",
    "CandidateList": "models",
    "CandidatePublic": "models",
    "CandidateState": "enums",
    "Decision": "models",
    "DocumentUpload": "models",
    "TakenIn": "models",
    "evaluate": "evaluation",
    "report": "evaluation",
    "table": "evaluation",
    "take_in": "service",
}

if TYPE_CHECKING:
    from app.ingest import service
    from app.ingest.enums import CandidateState
    from app.ingest.evaluation import evaluate, report, table
    from app.ingest.models import (
        BulkDecision,
        CandidateEdits,
        CandidateList,
        CandidatePublic,
        Decision,
        DocumentUpload,
        TakenIn,
    )
    from app.ingest.service import take_in

__getattr__ = lazy_exports(__name__, _HOME)

__all__ = [
    "BulkDecision",
    "CandidateEdits",
    "CandidateList",
    "CandidatePublic",
    "CandidateState",
    "Decision",
    "DocumentUpload",
    "TakenIn",
    "evaluate",
    "report",
    "service",
    "table",
    "take_in",
]
