"""Field-level history, written in the same transaction as the change it records."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.core.security import Actor, Channel
from app.core.time import utcnow
from app.history.models import CommitmentHistory, HistoryEntry


def _json(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def record(
    *,
    session: Session,
    commitment_id: int,
    version: int,
    changes: Mapping[str, tuple[Any, Any]],
    actor: Actor,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """One row per changed field: (old value, new value), at the change's own time; and the
    change as one event in the webhooks' outbox, in the same transaction."""
    from app.webhooks import record_event  # TEMPORARY until the outbox moves

    now = at or utcnow()
    record_event(
        session=session,
        commitment_id=commitment_id,
        version=version,
        changes={field: _json(new) for field, (_old, new) in changes.items()},
        actor=actor,
        at=now,
    )
    for field, (old, new) in changes.items():
        session.add(
            CommitmentHistory(
                commitment_id=commitment_id,
                version=version,
                field=field,
                old_value=_json(old),
                new_value=_json(new),
                actor_id=actor.user_id,
                actor_name=actor.name,
                channel=actor.channel.value,
                reason=reason,
                changed_at=now,
            )
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
        or (latest[field][0] == channel.value and latest[field][1] == _json(value))
    }
