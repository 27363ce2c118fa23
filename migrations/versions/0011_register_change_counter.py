"""register change counter

One row, raised by every transaction that writes: what lets each process keep rendered
answers in memory and know with one read when they no longer stand.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    state = op.create_table(
        "register_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_register_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_state")),
    )
    op.bulk_insert(state, [{"id": 1, "changes": 0}])


def downgrade() -> None:
    op.drop_table("register_state")
