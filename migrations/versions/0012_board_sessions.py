"""board sessions

The board's sign-ins: a session per browser, kept as the digest of its cookie, standing on the
API token it was opened with.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 12:33:24.401681
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_board_session_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_session")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_board_session_session_hash")),
    )
    with op.batch_alter_table("board_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_board_session_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_board_session_token_id"), ["token_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("board_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_session_token_id"))
        batch_op.drop_index(batch_op.f("ix_board_session_expires_at"))
    op.drop_table("board_session")
