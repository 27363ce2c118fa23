"""Field-level history, written in the same transaction as the change it records."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.core.security import Actor, Channel
from app.core.time import utcnow
from app.history.changes import Change, as_json
from app.history.models import CommitmentHistory, HistoryEntry

_INSERT = insert(CommitmentHistory.__table__)  # type: ignore[attr-defined]


def record(
    *,
    session: Session,
    commitment_id: int,
    version: int,
    change: Change,
    actor: Actor,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """One row per changed field, (old value, new value) at the change's own time: one
    statement, through the session's connection (no unit of work to flush)."""
    if not change:
        return
    now = at or utcnow()
    session.connection().execute(
        _INSERT,
        [
            {
                "commitment_id": commitment_id,
                "version": version,
                "field": field.field,
                "old_value": as_json(field.old),
                "new_value": as_json(field.new),
                "actor_id": actor.user_id,
                "actor_name": actor.name,
                "channel": actor.channel.value,
                "reason": reason,
                "changed_at": now,
            }
            for field in change.fields
        ],
    )


def list_history(
    *, session: Session, commitment_id: int, since: datetime | None = None
) -> list[HistoryEntry]:
    """The commitment's changes, oldest first; from `since` on, when the reader may see its
    past only from then. The change made at `since` released the commitment to the reader:
    it shows only the values set then, not those it replaced (which the reader never saw)."""
    statement = select(CommitmentHistory).where(
        col(CommitmentHistory.commitment_id) == commitment_id
    )
    if since is not None:
        statement = statement.where(col(CommitmentHistory.changed_at) >= since)
    rows = session.exec(statement.order_by(col(CommitmentHistory.id)))
    return [
        HistoryEntry(
            version=row.version,
            field=row.field,
            old_value=row.old_value if since is None or row.changed_at > since else None,
            new_value=row.new_value,
            actor=row.actor_name,
            channel=Channel(row.channel),
            reason=row.reason,
            changed_at=row.changed_at,
        )
        for row in rows
    ]


def unchanged_since(
    *, session: Session, commitment_id: int, channel: Channel, values: Mapping[str, Any]
) -> set[str]:
    """Of `values` (field: current value), the fields whose latest recorded change came
    through `channel` and set the value they still hold; or that no change ever recorded."""
    latest: dict[str, tuple[str, Any]] = {}
    for field, by, new_value in session.execute(
        select(
            col(CommitmentHistory.field),
            col(CommitmentHistory.channel),
            col(CommitmentHistory.new_value),
        )
        .where(col(CommitmentHistory.commitment_id) == commitment_id)
        .order_by(col(CommitmentHistory.id))
    ):
        latest[field] = (by, new_value)
    return {
        field
        for field, value in values.items()
        if field not in latest
        or (latest[field][0] == channel.value and latest[field][1] == as_json(value))
    }
