"""The board's sign-ins: an API token exchanged for a server-side session.

The browser holds a random session id in a cookie; the database holds only its SHA-256. The
form token that guards every change (CSRF) is derived from the session id, so nothing more is
stored: a page can only carry it if it was served to the holder of the cookie."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.board.models import BoardSession
from app.core.changes import UNCHANGED
from app.core.errors import UnauthorizedError
from app.core.security import Channel, Principal, Role, hash_token
from app.core.time import utcnow
from app.reference import Party
from app.users import ApiToken, TokenScope, UserAccount, token_is_live

SESSION_ID_LENGTH = 43  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value (shown to the browser once) and its lifetime."""

    session_id: str
    max_age_seconds: int


def form_token(session_id: str) -> str:
    """The CSRF token of a session's forms."""
    return hmac.new(session_id.encode("ascii"), b"board forms", hashlib.sha256).hexdigest()


def form_token_matches(session_id: str, presented: str) -> bool:
    return hmac.compare_digest(form_token(session_id).encode(), presented.encode())


def new_sign_in_ticket() -> str:
    """What the sign-in form and its cookie both carry (a double-submitted token)."""
    return secrets.token_urlsafe(24)


def ticket_matches(cookie: str, presented: str) -> bool:
    return bool(cookie) and hmac.compare_digest(cookie.encode(), presented.encode())


def sign_in(*, session: Session, principal: Principal, hours: int) -> SignedIn:
    """A session for a principal authenticated by its API token; it lasts `hours`."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(
        insert(BoardSession).values(
            session_hash=hash_token(session_id),
            token_id=principal.token_id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        ),
        # A sign-in changes nothing a reader of the register is shown.
        execution_options={UNCHANGED: True},
    )
    return SignedIn(session_id, hours * 3600)


# Built once, like the token's statement: every page runs it. Labelled: the session, its
# token and the user each have an id and the first two an expiry.
_SESSION: Any = (
    sa_select(
        col(BoardSession.session_hash),
        col(BoardSession.expires_at).label("session_expires_at"),
        col(BoardSession.ended_at),
        col(ApiToken.id).label("token_id"),
        col(ApiToken.scope),
        col(ApiToken.revoked_at),
        col(ApiToken.expires_at).label("token_expires_at"),
        col(UserAccount.id).label("user_id"),
        col(UserAccount.name),
        col(UserAccount.role),
        col(UserAccount.party_id),
        col(UserAccount.disabled_at),
        col(Party.code).label("party_code"),
        col(Party.standing),
    )
    .join(ApiToken, col(ApiToken.id) == col(BoardSession.token_id))
    .join(UserAccount, col(UserAccount.id) == col(ApiToken.user_id))
    .outerjoin(Party, col(Party.id) == col(UserAccount.party_id))
    .where(col(BoardSession.session_hash) == bindparam("digest"))
)


def _live(row: Any, digest: str) -> bool:
    return (
        hmac.compare_digest(row.session_hash.encode(), digest.encode())
        and row.ended_at is None
        and row.session_expires_at > utcnow()
        and token_is_live(
            scope=row.scope,
            revoked_at=row.revoked_at,
            expires_at=row.token_expires_at,
            disabled_at=row.disabled_at,
            standing=row.standing,
            wanted=TokenScope.api,
        )
    )


def principal_of(*, session: Session, session_id: str) -> Principal:
    """Who a board session stands for; refused once it ended, expired, or its token or user
    was revoked or disabled."""
    refused = UnauthorizedError("Your session has ended; sign in again.")
    if len(session_id) != SESSION_ID_LENGTH or not session_id.isascii():
        raise refused
    digest = hash_token(session_id)
    row: Any = session.connection().execute(_SESSION, {"digest": digest}).first()
    if row is None or not _live(row, digest):
        raise refused
    return Principal(
        user_id=row.user_id,
        name=row.name,
        role=Role(row.role),
        party_id=row.party_id,
        party_code=row.party_code,
        token_id=row.token_id,
        channel=Channel.board,
    )


def sign_out(*, session: Session, session_id: str) -> None:
    session.execute(
        update(BoardSession)
        .where(
            col(BoardSession.session_hash) == hash_token(session_id),
            col(BoardSession.ended_at).is_(None),
        )
        .values(ended_at=utcnow()),
        execution_options={UNCHANGED: True},
    )


def prune_sessions(*, session: Session, now: datetime) -> int:
    """Delete the sessions that ended or expired: nothing can open them again."""
    pruned = session.execute(
        delete(BoardSession).where(
            or_(col(BoardSession.ended_at).is_not(None), col(BoardSession.expires_at) <= now)
        ),
        execution_options={UNCHANGED: True},
    )
    return int(pruned.rowcount or 0)  # type: ignore[attr-defined]
