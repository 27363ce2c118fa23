"""Safe retries of the requests that create: the Idempotency-Key header (IETF httpapi draft
"The Idempotency-Key HTTP Header Field").

A request that carries a key is done once per key, caller and operation (its method and path).
Its answer is stored in the request's own transaction, with the write it answers: a stored
answer exists exactly when the write committed. The key again with the same request (its body,
query, media type and If-Match, as a SHA-256 fingerprint) replays the stored answer, marked
`Idempotent-Replayed: true`; with another request it is refused (422); while the first is
still being done, 409. A key lasts `idempotency_retention_hours`; the prune job deletes the
answers of older ones.

A refusal is never stored: it is raised, and the transaction, with anything the request wrote,
is rolled back. The same key may then be sent again and is done afresh, so that a request
refused for a state that has since changed (a conflict, a database that was busy) can
succeed. Only the key's digest is kept, with the caller's id inside it: a key names no one.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import Session

from app.core.errors import ConflictError, ProblemError
from app.core.idempotent_answers import KeptAnswer, forget_answer, keep_answer, kept_answer
from app.core.time import utcnow

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# A key in flight is usually done within a second or two.
IN_FLIGHT_RETRY_AFTER = 1
# A header value at most: a quoted key of KEY_MAX_LENGTH characters, each escaped.
HEADER_MAX_LENGTH = 2 + 2 * KEY_MAX_LENGTH
# Recomputed when the answer is replayed.
_NOT_KEPT = frozenset({b"content-length"})
# Namespaces this module's PostgreSQL advisory locks (two 32-bit keys: this, and the scope's).
_LOCK_CLASS = 0x1DE4


class InvalidIdempotencyKeyError(ProblemError):
    status, kind, title = 400, "invalid-idempotency-key", "Invalid Idempotency-Key"


class IdempotencyKeyInFlightError(ConflictError):
    kind, title = "idempotency-key-in-flight", "A request with this Idempotency-Key is in progress"


class IdempotencyKeyReusedError(ProblemError):
    status, kind, title = 422, "idempotency-key-reused", "Idempotency-Key used for another request"


def key_of(value: str) -> str:
    """The key a header value names: an sf-string (`"..."`, as the draft has it) or the bare
    characters; printable ASCII, 1 to KEY_MAX_LENGTH characters, anything else refused."""
    if value.startswith('"'):
        key = _unquoted(value)
    elif all("!" <= character <= "~" for character in value):
        key = value
    else:
        raise InvalidIdempotencyKeyError(
            f"{HEADER} is printable ASCII without spaces, or a quoted string."
        )
    if not 0 < len(key) <= KEY_MAX_LENGTH:
        raise InvalidIdempotencyKeyError(
            f"{HEADER} is 1 to {KEY_MAX_LENGTH} characters long; this one has {len(key)}."
        )
    return key


def _unquoted(value: str) -> str:
    """The characters of a Structured Field string (RFC 8941 section 3.3.3)."""
    characters: list[str] = []
    rest = iter(value[1:])
    for character in rest:
        if character == "\\":
            escaped = next(rest, "")
            if escaped not in ('"', "\\"):
                break
            characters.append(escaped)
        elif character == '"':
            if next(rest, None) is None:
                return "".join(characters)
            break
        elif " " <= character <= "~":
            characters.append(character)
        else:
            break
    raise InvalidIdempotencyKeyError(f"{HEADER} is not a well-formed quoted string.")


def _digest(parts: Iterable[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        # Each part's length first: no two different requests run together into one.
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


@dataclass(frozen=True)
class Retries:
    """What a request needs to be done once per key: its key, if it carries one."""

    key: str | None
    operation: str
    fingerprint: str
    retention: timedelta

    def once(self, *, session: Session, owner: int, answer: Callable[[], Response]) -> Response:
        """`answer()` (a response whose body is UTF-8 text: JSON) in the request's
        transaction, stored for `owner`'s retries under the key; or, for a retry, the stored
        answer. Without a key, just `answer()`."""
        if self.key is None:
            return answer()
        scope = _digest([str(owner).encode(), self.operation.encode(), self.key.encode()])
        _hold(session, scope)
        now = utcnow()
        kept = kept_answer(session=session, scope=scope)
        if kept is not None and kept.created_at > now - self.retention:
            return _replayed(kept, self.fingerprint)
        if kept is not None:
            forget_answer(session=session, scope=scope)
        response = answer()
        keep_answer(session=session, scope=scope, answer=_kept(response, self.fingerprint, now))
        return response


def _hold(session: Session, scope: str) -> None:
    """Make the request the only one at work under its scope until its transaction ends.
    On SQLite every write transaction holds the database's one write lock already. On
    PostgreSQL an advisory lock, tried without waiting: another request holding it is still
    at work (409). Held, the stored answer is read afterwards: at READ COMMITTED, each
    statement sees every transaction that committed before it, that request's included."""
    if session.get_bind().dialect.name != "postgresql":
        return
    lock = int.from_bytes(bytes.fromhex(scope[:8]), "big", signed=True)
    if not session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_CLASS, lock))):
        raise IdempotencyKeyInFlightError(
            f"A request with this {HEADER} is still being done; send it again in a moment "
            "for its answer.",
            headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER)},
        )


def _replayed(kept: KeptAnswer, fingerprint: str) -> Response:
    if kept.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(
            f"This {HEADER} was used for a different request; use a new key for a new request."
        )
    body = kept.body.encode()
    response = Response(content=body, status_code=kept.status)
    response.raw_headers = [
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in kept.headers),
        (b"content-length", str(len(body)).encode("latin-1")),
        (REPLAYED.lower().encode("latin-1"), b"true"),
    ]
    return response


def _kept(response: Response, fingerprint: str, now: datetime) -> KeptAnswer:
    return KeptAnswer(
        fingerprint=fingerprint,
        status=response.status_code,
        headers=[
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in response.raw_headers
            if name not in _NOT_KEPT
        ],
        body=bytes(response.body).decode(),
        created_at=now,
    )


async def retries_of(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="A key of the caller's choosing, new for each request (a UUID): the "
            "request sent again with it is done once, and answered as it was the first time. "
            f'Printable ASCII, at most {KEY_MAX_LENGTH} characters, bare or quoted ("...").',
            json_schema_extra={"maxLength": HEADER_MAX_LENGTH},
        ),
    ] = None,
) -> Retries:
    """The request's key, if any, and the fingerprint of what it asks."""
    settings = request.app.state.settings
    retention = timedelta(hours=settings.idempotency_retention_hours)
    operation = f"{request.method} {request.url.path}"
    if key is None:
        return Retries(key=None, operation=operation, fingerprint="", retention=retention)
    if len(request.headers.getlist(HEADER)) > 1:
        raise InvalidIdempotencyKeyError(f"Send one {HEADER} header, not several.")
    if len(key) > HEADER_MAX_LENGTH:
        raise InvalidIdempotencyKeyError(f"{HEADER} is at most {KEY_MAX_LENGTH} characters long.")
    chosen = key_of(key)
    headers = request.headers
    fingerprint = _digest(
        [
            request.url.query.encode(),
            headers.get("content-type", "").encode("latin-1"),
            headers.get("if-match", "").encode("latin-1"),
            await request.body(),
        ]
    )
    return Retries(key=chosen, operation=operation, fingerprint=fingerprint, retention=retention)


IdempotencyKey = Annotated[Retries, Depends(retries_of)]
