"""webhook suspension

An endpoint that keeps failing is suspended, not disabled: deliveries are still queued for
it while it is suspended, and go out once an administrator resumes it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    # Before this revision an endpoint that failed 20 times in a row was disabled outright.
    op.execute(
        "UPDATE webhook_endpoint SET suspended_at = disabled_at, disabled_at = NULL "
        "WHERE disabled_at IS NOT NULL AND consecutive_failures >= 20"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE webhook_endpoint SET disabled_at = suspended_at "
        "WHERE suspended_at IS NOT NULL AND disabled_at IS NULL"
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_column("suspended_at")
