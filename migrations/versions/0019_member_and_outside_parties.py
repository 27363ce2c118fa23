"""member and outside parties

A party is a member of the register (it holds accounts; commitments are released to it) or an
outside party (only named as an obligor or a counterpart). The U.S., the ROK and Japan are
members; every other party is outside. Nothing stays released to an outside party, and its
users and their tokens stop working. A commitment that was released to nobody else (one owed by
an outside party and released only to it) is released to the member parties that issued its
statement or are party to it, so it does not drop out of every member's sight.

Going down restores the rule of the revision below, that every obligor's party is released
to; the users and tokens stopped here stay stopped.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING_CHECK = "standing IN ('member', 'outside')"
MEMBERS = ("US", "ROK", "JP")

OUTSIDE = "SELECT id FROM party WHERE standing = 'outside'"
MEMBER = "SELECT id FROM party WHERE standing = 'member'"

PARTY = sa.table(
    "party", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("standing")
)


def upgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "standing",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                server_default="outside",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(op.f("ck_party_standing"), STANDING_CHECK)
    op.execute(PARTY.update().where(PARTY.c.code.in_(MEMBERS)).values(standing="member"))
    _release_orphans_to_members()
    op.execute(f"DELETE FROM commitment_releasability WHERE party_id IN ({OUTSIDE})")
    _stop_outside_accounts()


def _release_orphans_to_members() -> None:
    """A commitment released to no member yet: to the member parties that issued its statement,
    are its obligors or its counterparts (with its whole past, as its own parties see it)."""
    orphans = (
        "SELECT c.id FROM commitment c WHERE NOT EXISTS ("
        " SELECT 1 FROM commitment_releasability r"
        f" WHERE r.commitment_id = c.id AND r.party_id IN ({MEMBER}))"
    )
    related = (
        "SELECT c.id AS commitment_id, d.party_id FROM commitment c"
        " JOIN document_party d ON d.document_id = c.document_id"
        " UNION SELECT commitment_id, party_id FROM commitment_party"
        " UNION SELECT commitment_id, party_id FROM commitment_counterpart"
    )
    op.execute(
        "INSERT INTO commitment_releasability (commitment_id, party_id, history_from)"
        f" SELECT related.commitment_id, related.party_id, NULL FROM ({related}) related"
        f" WHERE related.commitment_id IN ({orphans}) AND related.party_id IN ({MEMBER})"
    )


def _stop_outside_accounts() -> None:
    now = datetime.now(UTC)
    user = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("party_id", sa.Integer),
        sa.column("disabled_at", sa.DateTime(timezone=True)),
    )
    token = sa.table(
        "api_token",
        sa.column("user_id", sa.Integer),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    outside = sa.select(PARTY.c.id).where(PARTY.c.standing == "outside")
    outside_users = sa.select(user.c.id).where(user.c.party_id.in_(outside))
    op.execute(
        token.update()
        .where(token.c.user_id.in_(outside_users), token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    op.execute(
        user.update()
        .where(user.c.party_id.in_(outside), user.c.disabled_at.is_(None))
        .values(disabled_at=now)
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO commitment_releasability (commitment_id, party_id, history_from)"
        " SELECT o.commitment_id, o.party_id, NULL FROM commitment_party o"
        " WHERE NOT EXISTS (SELECT 1 FROM commitment_releasability r"
        " WHERE r.commitment_id = o.commitment_id AND r.party_id = o.party_id)"
    )
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_party_standing"), type_="check")
        batch_op.drop_column("standing")
