"""Releasability: who may see which commitment, and from when its past."""

from datetime import datetime

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import Session, col, select

from app.commitments.models import Commitment, CommitmentReleasability
from app.core.security import Principal


def visible_to(
    principal: Principal | None, *, past_at: datetime | None = None
) -> list[ColumnElement[bool]]:
    """Conditions limiting commitments to those releasable to the principal's party; with
    `past_at`, to those whose state at that time the party may see (its history_horizon is
    not later).

    None stands for the system itself (seeding, the CLI); admins see everything.
    """
    if principal is None or principal.is_admin:
        return []
    if principal.party_id is None:
        return [false()]
    # A correlated EXISTS, probed per candidate through the link's primary key: SQLite would
    # otherwise build the whole list of the party's commitments for every query.
    releasable = select(col(CommitmentReleasability.commitment_id)).where(
        col(CommitmentReleasability.commitment_id) == col(Commitment.id),
        col(CommitmentReleasability.party_id) == principal.party_id,
    )
    if past_at is not None:
        since = col(CommitmentReleasability.history_from)
        releasable = releasable.where(or_(since.is_(None), since <= past_at))
    return [releasable.exists()]


def history_horizon(
    *, session: Session, commitment_id: int, principal: Principal | None
) -> datetime | None:
    """From when the principal may see the commitment's notes and history (None: all of it).

    A party the commitment was released to later sees its past only from the release, unless
    the release said otherwise (release_history)."""
    if principal is None or principal.is_admin or principal.party_id is None:
        return None
    return session.execute(
        select(col(CommitmentReleasability.history_from)).where(
            col(CommitmentReleasability.commitment_id) == commitment_id,
            col(CommitmentReleasability.party_id) == principal.party_id,
        )
    ).scalar()


def audience_of(principal: Principal | None) -> str:
    """Who reads exactly the commitments this principal reads: `visible_to` as a key, for
    answers kept in memory (app.core.cache). Keep the two in step."""
    if principal is None or principal.is_admin:
        return "everything"
    if principal.party_id is None:
        return "nothing"
    return f"party:{principal.party_id}"
