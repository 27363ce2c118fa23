"""opaque note ids

A progress note is named by a random public id; its integer id, a sequence across the whole
register, stays inside. Existing notes get one each, and the history and the webhooks' outbox
name notes by it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 14:00:00.000000
"""

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_note = sa.table(
    "progress_note",
    sa.column("id", sa.Integer()),
    sa.column("public_id", sa.String()),
)
_history = sa.table(
    "commitment_history",
    sa.column("id", sa.Integer()),
    sa.column("field", sa.String()),
    sa.column("new_value", sa.JSON()),
)
_event = sa.table(
    "webhook_event",
    sa.column("id", sa.Integer()),
    sa.column("changes", sa.JSON()),
)


def _renamed(connection: sa.Connection, names: dict[Any, Any]) -> None:
    """Name notes in the history and the webhooks' outbox by `names` (old name: new name)."""
    for row_id, value in connection.execute(
        sa.select(_history.c.id, _history.c.new_value).where(_history.c.field == "note")
    ).all():
        if value in names:
            connection.execute(
                _history.update().where(_history.c.id == row_id).values(new_value=names[value])
            )
    for row_id, changes in connection.execute(sa.select(_event.c.id, _event.c.changes)).all():
        if isinstance(changes, dict) and changes.get("note") in names:
            connection.execute(
                _event.update()
                .where(_event.c.id == row_id)
                .values(changes=changes | {"note": names[changes["note"]]})
            )


def upgrade() -> None:
    with op.batch_alter_table("progress_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
    connection = op.get_bind()
    public_ids = {
        note_id: secrets.token_urlsafe(16)
        for note_id in connection.execute(sa.select(_note.c.id)).scalars()
    }
    for note_id, public_id in public_ids.items():
        connection.execute(_note.update().where(_note.c.id == note_id).values(public_id=public_id))
    _renamed(connection, public_ids)
    with op.batch_alter_table("progress_note", schema=None) as batch_op:
        batch_op.alter_column(
            "public_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_progress_note_public_id"), ["public_id"])


def downgrade() -> None:
    connection = op.get_bind()
    ids = {
        public_id: note_id
        for note_id, public_id in connection.execute(sa.select(_note.c.id, _note.c.public_id))
    }
    _renamed(connection, ids)
    with op.batch_alter_table("progress_note", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_progress_note_public_id"), type_="unique")
        batch_op.drop_column("public_id")
