"""Accounts and their tokens."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app.core.changes import UNCHANGED, changes_now
from app.core.errors import ConflictError, NotFoundError, UnauthorizedError, UnprocessableError
from app.core.metadata import id_of
from app.core.security import (
    TOKEN_PATTERN,
    Principal,
    Role,
    digests_match,
    hash_token,
    new_token,
)
from app.core.time import utcnow
from app.reference import Contact, Party, Standing
from app.users.enums import TokenScope
from app.users.models import (
    ApiToken,
    IssuedToken,
    TokenCreate,
    TokenPublic,
    UserAccount,
    UserCreate,
    UserPublic,
    UserUpdate,
)

# Recording every use would turn each read into a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def _token_public(token: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=id_of(token),
        prefix=token.prefix,
        scope=TokenScope(token.scope),
        label=token.label,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


def _users(session: Session, user_id: int | None = None) -> list[UserPublic]:
    statement = (
        select(UserAccount, Party.code)
        .outerjoin(Party, col(Party.id) == col(UserAccount.party_id))
        .order_by(col(UserAccount.name))
    )
    if user_id is not None:
        statement = statement.where(col(UserAccount.id) == user_id)
    rows = session.exec(statement).all()
    tokens: dict[int, list[TokenPublic]] = defaultdict(list)
    ids = [id_of(user) for user, _ in rows]
    for token in session.exec(
        select(ApiToken).where(col(ApiToken.user_id).in_(ids)).order_by(col(ApiToken.id))
    ):
        tokens[token.user_id].append(_token_public(token))
    return [
        UserPublic(
            id=id_of(user),
            name=user.name,
            role=Role(user.role),
            party=code,
            contact_id=user.contact_id,
            created_at=user.created_at,
            disabled=user.disabled_at is not None,
            tokens=tokens[id_of(user)],
        )
        for user, code in rows
    ]


def list_users(*, session: Session) -> list[UserPublic]:
    return _users(session)


def get_user(*, session: Session, user_id: int) -> UserPublic:
    found = _users(session, user_id)
    if not found:
        raise NotFoundError(f"No user {user_id}.")
    return found[0]


def count_users(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(UserAccount)).one()


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        raise UnprocessableError(
            "Token expiry needs a timezone offset (e.g. 2027-01-01T00:00:00Z)."
        )
    if expires_at <= utcnow():
        raise UnprocessableError("Token expiry must be in the future.")


def _issue(
    session: Session, user: UserAccount, request: TokenCreate, scope: TokenScope
) -> tuple[str, ApiToken]:
    _check_expiry(request.expires_at)
    token = new_token()
    row = ApiToken(
        user_id=id_of(user),
        token_hash=hash_token(token),
        prefix=token[:10],
        scope=scope.value,
        label=request.label,
        expires_at=request.expires_at,
    )
    session.add(row)
    session.flush()
    return token, row


def create_user(*, session: Session, request: UserCreate) -> IssuedToken:
    party_id = None
    if request.party is not None:
        party = session.exec(select(Party).where(col(Party.code) == request.party)).first()
        if party is None:
            raise UnprocessableError(f"Unknown party {request.party!r}.")
        if party.standing != Standing.member.value:
            raise UnprocessableError(
                f"{party.code} is an outside party: it is named in commitments but holds no "
                "accounts."
            )
        party_id = party.id
    elif request.role is not Role.admin:
        raise UnprocessableError("Viewers and editors belong to a party: give --party / 'party'.")
    if session.exec(select(UserAccount).where(col(UserAccount.name) == request.name)).first():
        raise ConflictError(f"A user named {request.name!r} already exists.")
    _check_contact(session, request.contact_id, party_id)
    user = UserAccount(
        name=request.name,
        role=request.role.value,
        party_id=party_id,
        contact_id=request.contact_id,
    )
    session.add(user)
    session.flush()
    token, row = _issue(
        session,
        user,
        TokenCreate(label=request.token_label, expires_at=request.token_expires_at),
        TokenScope.api,
    )
    return IssuedToken(
        token=token,
        token_info=_token_public(row),
        user=get_user(session=session, user_id=id_of(user)),
    )


def _check_contact(session: Session, contact_id: int | None, party_id: int | None) -> None:
    """A user is a live point of contact of their own party (an administrator, of any)."""
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is None or contact.archived_at is not None:
        raise UnprocessableError(f"No point of contact {contact_id}.")
    if party_id is not None and contact.party_id != party_id:
        raise UnprocessableError(f"Contact {contact_id} is on another party's side.")


def update_user(*, session: Session, user_id: int, request: UserUpdate) -> UserPublic:
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}.")
    if "contact_id" in request.model_fields_set:
        _check_contact(session, request.contact_id, user.party_id)
        user.contact_id = request.contact_id
        session.add(user)
        session.flush()
    return get_user(session=session, user_id=user_id)


def contact_of(*, session: Session, user_id: int) -> int | None:
    """The point of contact a user is, if any."""
    return session.exec(
        select(UserAccount.contact_id).where(col(UserAccount.id) == user_id)
    ).first()


def issue_token(
    *, session: Session, user_id: int, request: TokenCreate, scope: TokenScope | None = None
) -> IssuedToken:
    """A new token of the scope the request asks for (or `scope`, which overrides it)."""
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}.")
    token, row = _issue(session, user, request, scope or TokenScope(request.scope))
    return IssuedToken(
        token=token, token_info=_token_public(row), user=get_user(session=session, user_id=user_id)
    )


def revoke_token(*, session: Session, token_id: int, owner_id: int | None = None) -> TokenPublic:
    """Revoke a token; with `owner_id`, only one of that user's own."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner_id is not None and token.user_id != owner_id):
        raise NotFoundError(f"No token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return _token_public(token)


def disable_user(*, session: Session, user_id: int, actor_id: int | None) -> UserPublic:
    """Disable a user (`actor_id`: who asks, None for the command line). No one disables
    themself, and the last administrator is never disabled: the register would be left
    without anyone to manage its users."""
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}.")
    if user_id == actor_id:
        raise ConflictError("You cannot disable yourself; another administrator can.")
    if user.disabled_at is None and user.role == Role.admin.value:
        _keep_an_administrator(session)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        session.add(user)
        session.flush()
    return get_user(session=session, user_id=user_id)


def _keep_an_administrator(session: Session) -> None:
    """Refuse to disable an administrator unless another stays enabled. The enabled
    administrators are locked until the transaction ends, so two disabling each other at the
    same time cannot both succeed."""
    enabled = session.exec(
        select(UserAccount.id)
        .where(col(UserAccount.role) == Role.admin.value, col(UserAccount.disabled_at).is_(None))
        .with_for_update()
    ).all()
    if len(enabled) <= 1:
        raise ConflictError("This is the last enabled administrator; it cannot be disabled.")


@dataclass(frozen=True)
class Authenticated:
    """Who a token stands for; whether its last use is worth recording; and the register's
    change counter, read in the same statement (the response cache compares against it)."""

    principal: Principal
    stale: bool
    register_changes: int


# Built once: every request runs it, and building it costs more than running it. Plain
# columns, not entities: the request needs a handful of values, not tracked objects.
TOKEN_STATEMENT = (
    sa_select(
        col(ApiToken.id),
        col(ApiToken.token_hash),
        col(ApiToken.scope),
        col(ApiToken.revoked_at),
        col(ApiToken.expires_at),
        col(ApiToken.last_used_at),
        col(UserAccount.id),
        col(UserAccount.name),
        col(UserAccount.role),
        col(UserAccount.party_id),
        col(UserAccount.disabled_at),
        col(Party.code),
        col(Party.standing),
        changes_now(),
    )
    .join(UserAccount, col(UserAccount.id) == col(ApiToken.user_id))
    .outerjoin(Party, col(Party.id) == col(UserAccount.party_id))
    .where(col(ApiToken.token_hash) == bindparam("digest"))
)


def token_is_live(
    *,
    scope: str,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    disabled_at: datetime | None,
    standing: str | None,
    wanted: TokenScope,
) -> bool:
    """A token that may be used now: of the scope wanted, neither revoked nor expired, and
    its user enabled and of a member party (or of none: an administrator); a board session
    opened with it lives only as long."""
    return (
        scope == wanted.value
        and revoked_at is None
        and (expires_at is None or expires_at > utcnow())
        and disabled_at is None
        and standing in (None, Standing.member.value)
    )


def authenticate(
    *, connection: Connection, token: str, scope: TokenScope = TokenScope.api
) -> Authenticated:
    """The principal a token stands for, refused unless the token is live and of `scope`.
    It reads one prebuilt statement on a core connection: no ORM work on every request."""
    digest = digest_of_presented(token)
    row = connection.execute(TOKEN_STATEMENT, {"digest": digest}).first()
    return authenticated(row, digest=digest, scope=scope)


def digest_of_presented(token: str) -> str:
    """The digest a presented token is looked up by; refused at once if it cannot be one."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise _refused()
    return hash_token(token)


def _refused() -> UnauthorizedError:
    return UnauthorizedError(
        "Missing, unknown, revoked or expired token.", headers={"WWW-Authenticate": "Bearer"}
    )


def authenticated(row: Sequence[Any] | None, *, digest: str, scope: TokenScope) -> Authenticated:
    """The caller a row of TOKEN_STATEMENT stands for, or the refusal (whichever way the
    statement was run)."""
    if row is None:
        raise _refused()
    (token_id, token_hash, token_scope, revoked_at, expires_at, last_used_at) = row[:6]
    (user_id, name, role, party_id, disabled_at, party_code, standing, changes) = row[6:]
    live = token_is_live(
        scope=token_scope,
        revoked_at=revoked_at,
        expires_at=expires_at,
        disabled_at=disabled_at,
        standing=standing,
        wanted=scope,
    )
    if not digests_match(token_hash, digest) or not live:
        raise _refused()
    principal = Principal(
        user_id=user_id,
        name=name,
        role=Role(role),
        party_id=party_id,
        party_code=party_code,
        token_id=token_id,
    )
    stale = last_used_at is None or utcnow() - last_used_at > LAST_USED_RESOLUTION
    return Authenticated(principal, stale, changes or 0)


def record_use(*, session: Session, token_id: int) -> None:
    """When a token was last used: nothing a reader of the register is shown changes."""
    session.execute(
        update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=utcnow()),
        execution_options={UNCHANGED: True},
    )


BOOTSTRAP_ADMIN = "admin"


def bootstrap_admin(*, session: Session) -> IssuedToken | None:
    """On a register with no users, create the first administrator; None if users exist."""
    if count_users(session=session):
        return None
    return create_user(
        session=session,
        request=UserCreate(name=BOOTSTRAP_ADMIN, role=Role.admin, token_label="first start"),
    )


def find_user_id(*, session: Session, name: str) -> int:
    user = session.exec(select(UserAccount).where(col(UserAccount.name) == name)).first()
    if user is None:
        raise NotFoundError(f"No user named {name!r}.")
    return id_of(user)


def issue_calendar_token(*, session: Session, user_id: int) -> IssuedToken:
    """A new read-only calendar feed token; the user's earlier ones stop working."""
    now = utcnow()
    for old in session.exec(
        select(ApiToken).where(
            col(ApiToken.user_id) == user_id,
            col(ApiToken.scope) == TokenScope.calendar.value,
            col(ApiToken.revoked_at).is_(None),
        )
    ):
        old.revoked_at = now
        session.add(old)
    return issue_token(
        session=session,
        user_id=user_id,
        request=TokenCreate(label="calendar feed"),
        scope=TokenScope.calendar,
    )


def revoke_calendar_tokens(*, session: Session, user_id: int) -> int:
    revoked = 0
    for token in session.exec(
        select(ApiToken).where(
            col(ApiToken.user_id) == user_id,
            col(ApiToken.scope) == TokenScope.calendar.value,
            col(ApiToken.revoked_at).is_(None),
        )
    ):
        token.revoked_at = utcnow()
        session.add(token)
        revoked += 1
    session.flush()
    return revoked
