"""mail claims

A reminder or party digest is claimed before it is sent: its record holds whether it is being
sent or was sent, which run holds it and until when. Records already there were sent; going
down, claims still held are dropped (their mails were not sent and are due again).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("reminder_sent", "party_digest_sent")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
            )
            batch_op.add_column(
                sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
            )
            batch_op.add_column(
                sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True)
            )
        op.execute(sa.table(name, sa.column("state", sa.String())).update().values(state="sent"))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(
                "state", existing_type=sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False
            )


def downgrade() -> None:
    for name in TABLES:
        record = sa.table(name, sa.column("state", sa.String()))
        op.execute(record.delete().where(record.c.state != "sent"))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("claimed_until")
            batch_op.drop_column("claimed_by")
            batch_op.drop_column("state")
