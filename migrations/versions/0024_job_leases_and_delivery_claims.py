"""leases on job runs, claims on webhook deliveries

A run of a job holds a lease its worker renews while it lives (`lease_until`, and who holds
it, `worker`): a run whose lease lapsed is abandoned. A webhook delivery is claimed by the run
posting it (`claimed_by`, `claim_until`). Runs recorded before hold a lease that ended when
they finished, or when they started if they never did (their worker is gone). Going down,
an abandoned run is recorded as failed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_run = sa.table(
    "job_run",
    sa.column("outcome", sa.String()),
    sa.column("detail", sa.Text()),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("finished_at", sa.DateTime(timezone=True)),
    sa.column("lease_until", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.get_bind().execute(
        _run.update().values(lease_until=sa.func.coalesce(_run.c.finished_at, _run.c.started_at))
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.alter_column(
            "lease_until", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("claim_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.get_bind().execute(
        _run.update()
        .where(_run.c.outcome == "abandoned")
        .values(
            outcome="failed",
            detail=sa.func.coalesce(_run.c.detail, "abandoned: its worker died mid-run"),
        )
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_column("claim_until")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("worker")
