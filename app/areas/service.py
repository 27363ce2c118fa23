from sqlalchemy import func
from sqlmodel import Session, col, select

from app.areas.models import AreaPublic, Framework, FrameworkPublic, PriorityArea
from app.commitments.models import Commitment, CommitmentArea
from app.core.errors import NotFoundError
from app.documents.models import SourceDocument


def _area_rows(session: Session, slug: str | None = None) -> list[AreaPublic]:
    counts = (
        select(col(CommitmentArea.area_id), func.count().label("n"))
        .join(Commitment, col(Commitment.id) == col(CommitmentArea.commitment_id))
        .where(col(Commitment.archived_at).is_(None))
        .group_by(col(CommitmentArea.area_id))
        .subquery()
    )
    statement = (
        select(PriorityArea, Framework, col(SourceDocument.slug), func.coalesce(counts.c.n, 0))
        .outerjoin(Framework, col(Framework.id) == col(PriorityArea.framework_id))
        .outerjoin(SourceDocument, col(SourceDocument.id) == col(Framework.document_id))
        .outerjoin(counts, counts.c.area_id == col(PriorityArea.id))
        .order_by(
            col(Framework.slug).nulls_last(), col(PriorityArea.position), col(PriorityArea.slug)
        )
    )
    if slug is not None:
        statement = statement.where(col(PriorityArea.slug) == slug)
    return [
        AreaPublic(
            slug=area.slug,
            name=area.name,
            description=area.description,
            framework=None
            if framework is None
            else FrameworkPublic(
                slug=framework.slug,
                name=framework.name,
                version=framework.version,
                adopted_on=framework.adopted_on,
                document=document_slug,
            ),
            commitment_count=count,
        )
        for area, framework, document_slug, count in session.execute(statement)
    ]


def list_areas(*, session: Session) -> list[AreaPublic]:
    return _area_rows(session)


def get_area(*, session: Session, slug: str) -> AreaPublic:
    rows = _area_rows(session, slug)
    if not rows:
        raise NotFoundError(f"No priority area {slug!r}.")
    return rows[0]
