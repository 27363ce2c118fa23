"""opaque webhook ids

Webhook endpoints, events and deliveries get a random public id (`whk_`, `evt_`, `dlv_` and
32 hex digits): the API, the delivery log, the `Webhook-Id` header and a body's `id` show it,
not the integer key, which counts every party's events. Bodies already queued carry the new
event id.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 13:50:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIXES = {"webhook_endpoint": "whk_", "webhook_event": "evt_", "webhook_delivery": "dlv_"}


def _random_hex() -> str:
    """32 random hex digits, in SQL."""
    if op.get_bind().dialect.name == "postgresql":
        return "replace(gen_random_uuid()::text, '-', '')"
    return "lower(hex(randomblob(16)))"


def _rewrite_bodies(event_id: str) -> None:
    """Set each delivery body's `id` to its event's `event_id` expression."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            f"SELECT d.id, d.body, {event_id} FROM webhook_delivery d "
            "JOIN webhook_event e ON e.id = d.event_id"
        )
    ).all()
    for delivery, body, new_id in rows:
        document = json.loads(body)
        document["id"] = new_id
        connection.execute(
            sa.text("UPDATE webhook_delivery SET body = :body WHERE id = :id"),
            {
                "body": json.dumps(document, separators=(",", ":"), ensure_ascii=False),
                "id": delivery,
            },
        )


def upgrade() -> None:
    for table, prefix in PREFIXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
            )
        op.execute(f"UPDATE {table} SET public_id = '{prefix}' || {_random_hex()}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "public_id",
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
            )
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_public_id"), ["public_id"])
    _rewrite_bodies("e.public_id")


def downgrade() -> None:
    _rewrite_bodies("'evt_' || CAST(e.id AS VARCHAR(20))")
    for table in reversed(PREFIXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_public_id"), type_="unique")
            batch_op.drop_column("public_id")
