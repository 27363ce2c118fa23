from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.commitments import (
    Commitment,
    CommitmentArea,
    CommitmentTopic,
    due_soon_on,
    is_open,
    overdue_on,
    visible_to,
)
from app.core.errors import NotFoundError, UnprocessableError
from app.core.metadata import id_of
from app.core.security import Principal, Role, require_role
from app.core.time import today
from app.reference import (
    AreaDetail,
    AreaLead,
    AreaPublic,
    Contact,
    ContactKind,
    ContactRef,
    DueItem,
    Framework,
    FrameworkPublic,
    LeadAssignment,
    LeadPublic,
    Party,
    PriorityArea,
    SourceDocument,
    Topic,
    TopicPublic,
)
from app.vocabulary import CommitmentStatus

NEXT_DUE_SHOWN = 5


def _area_rows(session: Session, principal: Principal, slug: str | None = None) -> list[AreaPublic]:
    counts = (
        select(col(CommitmentArea.area_id), func.count().label("n"))
        .join(Commitment, col(Commitment.id) == col(CommitmentArea.commitment_id))
        .where(col(Commitment.archived_at).is_(None), *visible_to(principal))
        .group_by(col(CommitmentArea.area_id))
        .subquery()
    )
    statement = (
        select(PriorityArea, Framework, SourceDocument.slug, func.coalesce(counts.c.n, 0))
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


def list_areas(*, session: Session, principal: Principal) -> list[AreaPublic]:
    return _area_rows(session, principal)


def _area(session: Session, slug: str) -> PriorityArea:
    area = session.exec(select(PriorityArea).where(col(PriorityArea.slug) == slug)).first()
    if area is None:
        raise NotFoundError(f"No priority area {slug!r}.")
    return area


def get_area(*, session: Session, slug: str, principal: Principal) -> AreaDetail:
    """An area as a whole: its leads, its commitments' progress and what falls due next."""
    area = _area(session, slug)
    summary = _area_rows(session, principal, slug)[0]
    in_area = [
        col(Commitment.id).in_(
            select(CommitmentArea.commitment_id).where(col(CommitmentArea.area_id) == area.id)
        ),
        col(Commitment.archived_at).is_(None),
        *visible_to(principal),
    ]
    day = today()
    by_status = dict(
        session.execute(
            select(col(Commitment.status), func.count())
            .where(*in_area)
            .group_by(col(Commitment.status))
        ).all()
    )
    overdue = session.exec(
        select(func.count()).select_from(Commitment).where(*in_area, overdue_on(day))
    ).one()
    due_soon = session.exec(
        select(func.count()).select_from(Commitment).where(*in_area, due_soon_on(day))
    ).one()
    upcoming = session.exec(
        select(Commitment)
        .where(*in_area, is_open(), col(Commitment.due_date) >= day)
        .order_by(col(Commitment.due_date), col(Commitment.ref))
        .limit(NEXT_DUE_SHOWN)
    ).all()
    return AreaDetail(
        **summary.model_dump(),
        leads=_leads(session, id_of(area)),
        status_counts={status.value: by_status.get(status.value, 0) for status in CommitmentStatus},
        overdue=overdue,
        due_soon=due_soon,
        next_due=[
            DueItem(
                ref=c.ref, title=c.title, due_date=c.due_date, status=CommitmentStatus(c.status)
            )
            for c in upcoming
            if c.due_date is not None
        ],
    )


def _leads(session: Session, area_id: int) -> list[LeadPublic]:
    return [
        LeadPublic(
            party=code,
            contact=ContactRef(
                id=id_of(contact), name=contact.name, kind=ContactKind(contact.kind)
            ),
        )
        for code, contact in session.execute(
            select(col(Party.code), Contact)
            .select_from(AreaLead)
            .join(Party, col(Party.id) == col(AreaLead.party_id))
            .join(Contact, col(Contact.id) == col(AreaLead.contact_id))
            .where(col(AreaLead.area_id) == area_id)
            .order_by(col(Party.code))
        )
    ]


def set_leads(
    *, session: Session, slug: str, leads: list[LeadAssignment], principal: Principal
) -> AreaDetail:
    """Replace the area's leads: one point of contact per party, on that party's side."""
    require_role(principal, Role.admin)
    area = _area(session, slug)
    if len({lead.party for lead in leads}) != len(leads):
        raise UnprocessableError("One lead per party.")
    rows = []
    for lead in leads:
        found = session.execute(
            select(Contact, Party)
            .join(Party, col(Party.id) == col(Contact.party_id))
            .where(col(Contact.id) == lead.contact_id, col(Contact.archived_at).is_(None))
        ).first()
        if found is None:
            raise UnprocessableError(f"Unknown contact {lead.contact_id}.")
        contact, party = found
        if party.code != lead.party:
            raise UnprocessableError(
                f"Contact {lead.contact_id} is on the {party.code} side, not {lead.party}."
            )
        rows.append(AreaLead(area_id=id_of(area), party_id=id_of(party), contact_id=id_of(contact)))
    session.execute(delete(AreaLead).where(col(AreaLead.area_id) == area.id))
    session.add_all(rows)
    session.flush()
    return get_area(session=session, slug=slug, principal=principal)


def list_topics(*, session: Session, principal: Principal) -> list[TopicPublic]:
    """Every topic, with how many live commitments the principal may see carry it."""
    counted = (
        select(col(CommitmentTopic.topic_id), func.count())
        .join(Commitment, col(Commitment.id) == col(CommitmentTopic.commitment_id))
        .where(col(Commitment.archived_at).is_(None), *visible_to(principal))
        .group_by(col(CommitmentTopic.topic_id))
    )
    counts = dict(session.execute(counted).all())
    topics = session.exec(select(Topic).order_by(col(Topic.slug))).all()
    return [
        TopicPublic(
            slug=topic.slug,
            name=topic.name,
            description=topic.description,
            commitment_count=counts.get(topic.id, 0),
        )
        for topic in topics
    ]
