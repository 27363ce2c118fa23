from sqlalchemy import Select, func
from sqlmodel import Session, col, select

from app.commitments import (
    Commitment,
    CommitmentFilters,
    CommitmentPublic,
    list_commitments,
    visible_to,
)
from app.core.errors import NotFoundError
from app.core.security import Principal
from app.documents.enums import DocumentKind
from app.documents.models import DocumentPublic, SourceDocument

MAX_COMMITMENTS_PER_DOCUMENT = 200


def _counted(principal: Principal) -> Select[SourceDocument, int]:
    counts = (
        select(col(Commitment.document_id), func.count().label("n"))
        .where(col(Commitment.archived_at).is_(None), *visible_to(principal))
        .group_by(col(Commitment.document_id))
        .subquery()
    )
    return select(SourceDocument, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.document_id == col(SourceDocument.id)
    )


def _public(document: SourceDocument, count: int) -> DocumentPublic:
    return DocumentPublic(
        **document.model_dump(exclude={"id", "kind"}),
        kind=DocumentKind(document.kind),
        commitment_count=count,
    )


def list_documents(*, session: Session, principal: Principal) -> list[DocumentPublic]:
    statement = _counted(principal).order_by(
        col(SourceDocument.issued_on), col(SourceDocument.slug)
    )
    return [_public(document, count) for document, count in session.execute(statement)]


def get_document(
    *, session: Session, slug: str, principal: Principal
) -> tuple[DocumentPublic, list[CommitmentPublic]]:
    row = session.execute(_counted(principal).where(col(SourceDocument.slug) == slug)).first()
    if row is None:
        raise NotFoundError(f"No source document {slug!r}.")
    page = list_commitments(
        session=session,
        filters=CommitmentFilters(document=slug),
        principal=principal,
        limit=MAX_COMMITMENTS_PER_DOCUMENT,
    )
    return _public(row[0], row[1]), page.items
