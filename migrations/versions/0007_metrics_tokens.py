"""metrics tokens

A token may have the scope "metrics": it reads /metrics and nothing else.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _scopes(scopes: str) -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_token_scope"), type_="check")
        batch_op.create_check_constraint("scope", f"scope IN ({scopes})")


def upgrade() -> None:
    _scopes("'api', 'calendar', 'metrics'")


def downgrade() -> None:
    # Metrics tokens cannot exist below this revision: they go, like any revoked token.
    op.execute("DELETE FROM api_token WHERE scope = 'metrics'")
    _scopes("'api', 'calendar'")
