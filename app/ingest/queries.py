"""Every statement of the ingest package: the gazetteer as the register holds it, a
document's candidates, and the commitments a candidate may be said to restate."""

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from app.commitments import Commitment, CommitmentReleasability, visible_to
from app.core.security import Principal
from app.ingest.models import Candidate, CandidateFilters
from app.ingest.vocabulary import Name, Tag, Vocabulary
from app.reference import Framework, Organization, Party, PriorityArea, Topic


def vocabulary(session: Session) -> Vocabulary:
    """The extractor's names and words from the reference data in the register."""
    names = [
        Name(code, None, [name, *aliases])
        for code, name, aliases in session.execute(
            select(col(Party.code), col(Party.name), col(Party.aliases)).order_by(col(Party.code))
        )
    ]
    organizations = (
        select(col(Party.code), col(Organization.code), col(Organization.name))
        .add_columns(col(Organization.aliases))
        .join(Party, col(Party.id) == col(Organization.party_id))
        .order_by(col(Organization.code))
    )
    names += [
        Name(party, code, [name, *aliases])
        for party, code, name, aliases in session.execute(organizations)
    ]
    areas = (
        select(col(PriorityArea.slug), col(PriorityArea.keywords), col(Framework.adopted_on))
        .outerjoin(Framework, col(Framework.id) == col(PriorityArea.framework_id))
        .order_by(col(PriorityArea.framework_id), col(PriorityArea.position))
    )
    topics = select(col(Topic.slug), col(Topic.keywords)).order_by(col(Topic.slug))
    return Vocabulary(
        names=names,
        areas=[
            Tag(slug, keywords, adopted_on) for slug, keywords, adopted_on in session.execute(areas)
        ],
        topics=[Tag(slug, keywords) for slug, keywords in session.execute(topics)],
    )


def candidates_of(
    document_id: int, filters: CandidateFilters | None = None
) -> SelectOfScalar[Candidate]:
    """A document's candidates in the order of its text, those matching `filters` only."""
    statement = select(Candidate).where(col(Candidate.document_id) == document_id)
    if filters is not None and filters.state is not None:
        statement = statement.where(col(Candidate.state) == filters.state.value)
    if filters is not None and filters.kind is not None:
        statement = statement.where(col(Candidate.kind) == filters.kind.value)
    if filters is not None and filters.min_confidence is not None:
        statement = statement.where(col(Candidate.confidence) >= filters.min_confidence)
    return statement.order_by(
        col(Candidate.paragraph), col(Candidate.quote_start), col(Candidate.number)
    )


def candidate(document_id: int, number: int) -> SelectOfScalar[Candidate]:
    return select(Candidate).where(
        col(Candidate.document_id) == document_id, col(Candidate.number) == number
    )


def restatable(parties: list[str]) -> Select[int | None, str, str | None]:
    """Live commitments with a quote that every one of these parties may see: what a
    candidate of their statement may be said to restate (its reviewers all read it)."""
    releasable_to_all = (
        select(func.count())
        .select_from(CommitmentReleasability)
        .join(Party, col(Party.id) == col(CommitmentReleasability.party_id))
        .where(
            col(CommitmentReleasability.commitment_id) == col(Commitment.id),
            col(Party.code).in_(parties),
        )
        .scalar_subquery()
    )
    return select(col(Commitment.id), col(Commitment.ref), col(Commitment.quote)).where(
        col(Commitment.archived_at).is_(None),
        col(Commitment.quote).is_not(None),
        releasable_to_all == len(parties),
    )


def refs_of(commitment_ids: set[int], principal: Principal | None) -> Select[int | None, str]:
    """The references of those of these commitments the principal may see."""
    return select(col(Commitment.id), col(Commitment.ref)).where(
        col(Commitment.id).in_(commitment_ids), *visible_to(principal)
    )
