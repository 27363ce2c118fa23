"""languages and party digests

The language a point of contact and a party are written to in; where a party's weekly digest
goes, and the digests mailed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 17:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
        )
        batch_op.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    op.create_table(
        "party_digest_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("week", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_party_digest_sent_party_id_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_digest_sent")),
        sa.UniqueConstraint("party_id", "week", name=op.f("uq_party_digest_sent_party_id_week")),
    )
    with op.batch_alter_table("party_digest_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_party_digest_sent_party_id"), ["party_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("party_digest_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_digest_sent_party_id"))
    op.drop_table("party_digest_sent")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("digest_email")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("language")
