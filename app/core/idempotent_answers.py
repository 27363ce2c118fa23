"""The answers kept for requests sent with an Idempotency-Key (app.core.idempotency), apart
from the web framework: the commands (the prune job) import this too, and start faster
without one."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Column, SmallInteger, Text, bindparam, delete, insert, select
from sqlmodel import Field, Session, col

from app.core.changes import UNCHANGED
from app.core.db import UTCDateTime
from app.core.metadata import SQLModel


class IdempotentAnswer(SQLModel, table=True):
    """The first answer to a request that carried an Idempotency-Key."""

    __tablename__ = "idempotent_answer"

    # SHA-256 of the caller, the operation and the key: none of them is kept in clear.
    scope: str = Field(primary_key=True, max_length=64)
    # SHA-256 of what the request asked (body, query, media type, If-Match).
    fingerprint: str = Field(max_length=64)
    status: int = Field(sa_column=Column(SmallInteger, nullable=False))
    headers: list[list[str]] = Field(sa_column=Column(JSON, nullable=False))
    # Text (the API answers JSON), so that an export (JSON itself) carries it as it is.
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


@dataclass(frozen=True)
class KeptAnswer:
    fingerprint: str
    status: int
    headers: list[tuple[str, str]]
    body: str
    created_at: datetime


_KEPT = select(
    col(IdempotentAnswer.fingerprint),
    col(IdempotentAnswer.status),
    col(IdempotentAnswer.headers),
    col(IdempotentAnswer.body),
    col(IdempotentAnswer.created_at),
).where(col(IdempotentAnswer.scope) == bindparam("scope"))


def kept_answer(*, session: Session, scope: str) -> KeptAnswer | None:
    row = session.execute(_KEPT, {"scope": scope}).first()
    if row is None:
        return None
    fingerprint, status, headers, body, created_at = row
    return KeptAnswer(
        fingerprint=fingerprint,
        status=status,
        headers=[(name, value) for name, value in headers],
        body=body,
        created_at=created_at,
    )


# Its own records: nothing a reader of the register is shown changes with them.
_UNSEEN = {UNCHANGED: True}


def keep_answer(*, session: Session, scope: str, answer: KeptAnswer) -> None:
    session.execute(
        insert(IdempotentAnswer).values(
            scope=scope,
            fingerprint=answer.fingerprint,
            status=answer.status,
            headers=[list(header) for header in answer.headers],
            body=answer.body,
            created_at=answer.created_at,
        ),
        execution_options=_UNSEEN,
    )


def forget_answer(*, session: Session, scope: str) -> None:
    session.execute(
        delete(IdempotentAnswer).where(col(IdempotentAnswer.scope) == scope),
        execution_options=_UNSEEN,
    )


def prune_idempotent_answers(*, session: Session, before: datetime) -> int:
    """Delete the answers of keys given before `before`: they are past their retention."""
    deleted = session.execute(
        delete(IdempotentAnswer).where(col(IdempotentAnswer.created_at) < before),
        execution_options=_UNSEEN,
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
