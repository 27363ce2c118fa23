"""idempotent answers

The first answer to each request sent with an Idempotency-Key, kept for its retries under a
digest of the caller, the operation and the key. Going down drops them: retries of requests
already answered are then done again.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotent_answer",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_idempotent_answer")),
    )
    with op.batch_alter_table("idempotent_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotent_answer_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotent_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotent_answer_created_at"))
    op.drop_table("idempotent_answer")
