"""Releasability: who may see which commitment."""

from sqlalchemy import ColumnElement, false
from sqlmodel import col, select

from app.commitments.models import Commitment, CommitmentReleasability
from app.core.security import Principal


def visible_to(principal: Principal | None) -> list[ColumnElement[bool]]:
    """Conditions limiting commitments to those releasable to the principal's party.

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
    return [releasable.exists()]
