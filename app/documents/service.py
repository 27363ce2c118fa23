"""Reading the statements: each one limited to the callers who may read it (`readable`)."""

from collections import defaultdict
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, func, select

from app.commitments import Commitment, CommitmentFilters, list_commitments, visible_to
from app.core.errors import NotFoundError
from app.core.metadata import id_of
from app.core.security import Principal
from app.documents.schemas import DocumentDetail
from app.reference import (
    DocumentAccess,
    DocumentKind,
    DocumentPublic,
    Meeting,
    SourceDocument,
    TextFormat,
    issuing_parties,
    readable,
    reviewed_by,
)

MAX_COMMITMENTS_PER_DOCUMENT = 200


def counted(principal: Principal | None) -> Select[SourceDocument, Any, str]:
    """Readable documents, each with how many of its live commitments the caller may see and
    the key of its meeting."""
    counts = (
        select(col(Commitment.document_id), func.count().label("n"))
        .where(col(Commitment.archived_at).is_(None), *visible_to(principal))
        .group_by(col(Commitment.document_id))
        .subquery()
    )
    return (
        select(SourceDocument, func.coalesce(counts.c.n, 0), col(Meeting.key))
        .outerjoin(counts, counts.c.document_id == col(SourceDocument.id))
        .outerjoin(Meeting, col(Meeting.id) == col(SourceDocument.meeting_id))
        .where(*readable(principal))
    )


def parties_of(session: Session, document_ids: list[int]) -> dict[int, list[str]]:
    """Each document's issuing parties, by code."""
    parties: dict[int, list[str]] = defaultdict(list)
    for document_id, code in session.execute(issuing_parties(document_ids)):
        parties[document_id].append(code)
    return parties


def public_of(
    document: SourceDocument, *, count: int, meeting: str | None, parties: list[str]
) -> DocumentPublic:
    return DocumentPublic(
        **document.model_dump(
            include={"slug", "title", "publisher", "issued_on", "language", "url", "sha256"}
            | {"summary", "created_by", "created_at"}
        ),
        kind=DocumentKind(document.kind),
        access=DocumentAccess(document.access),
        text_format=TextFormat(document.text_format) if document.text_format else None,
        parties=parties,
        meeting=meeting,
        commitment_count=count,
    )


def _publics(
    session: Session, rows: list[tuple[SourceDocument, int, str | None]]
) -> list[DocumentPublic]:
    parties = parties_of(session, [id_of(row[0]) for row in rows])
    return [
        public_of(document, count=count, meeting=meeting, parties=parties[id_of(document)])
        for document, count, meeting in rows
    ]


def list_documents(*, session: Session, principal: Principal) -> list[DocumentPublic]:
    statement = counted(principal).order_by(col(SourceDocument.issued_on), col(SourceDocument.slug))
    return _publics(session, [tuple(row) for row in session.execute(statement)])


def _described(
    session: Session, slug: str, principal: Principal | None
) -> tuple[SourceDocument, DocumentPublic]:
    row = session.execute(counted(principal).where(col(SourceDocument.slug) == slug)).first()
    if row is None:
        raise NotFoundError(f"No source document {slug!r}.")
    return row[0], _publics(session, [(row[0], row[1], row[2])])[0]


def describe(*, session: Session, slug: str, principal: Principal | None) -> DocumentPublic:
    return _described(session, slug, principal)[1]


def get_document(*, session: Session, slug: str, principal: Principal) -> DocumentDetail:
    document, public = _described(session, slug, principal)
    page = list_commitments(
        session=session,
        filters=CommitmentFilters(document=slug),
        principal=principal,
        limit=MAX_COMMITMENTS_PER_DOCUMENT,
    )
    return DocumentDetail(
        **public.model_dump(), paragraphs=document.paragraphs, commitments=page.model().items
    )


def find_document(
    *, session: Session, slug: str, principal: Principal | None, reviewing: bool = False
) -> SourceDocument:
    """A document the principal may read (with `reviewing`: whose candidates it may read);
    any other is not found."""
    conditions = reviewed_by(principal) if reviewing else readable(principal)
    document = session.exec(
        select(SourceDocument).where(col(SourceDocument.slug) == slug, *conditions)
    ).first()
    if document is None:
        raise NotFoundError(f"No source document {slug!r}.")
    return document
