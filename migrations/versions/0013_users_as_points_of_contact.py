"""users as points of contact

A user may be one of their party's points of contact: the board shows them what they lead.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_user_account_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_contact_id_contact"), "contact", ["contact_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_contact_id_contact"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_user_account_contact_id"))
        batch_op.drop_column("contact_id")
