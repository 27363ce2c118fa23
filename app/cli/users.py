from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from app.cli.errors import CliError
from app.core.security import Role
from app.users import IssuableScope

if TYPE_CHECKING:
    from sqlmodel import Session

    from app.users import IssuedToken

users_app = typer.Typer(help="Desk officers and administrators.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
Result = TypeVar("Result")


@contextmanager
def _session() -> Iterator["Session"]:
    from app.cli.database import open_database
    from app.core.config import get_settings
    from app.core.errors import ProblemError

    database = open_database(get_settings())
    try:
        with database.transaction() as session:
            yield session
    except ProblemError as exc:
        raise CliError(exc.detail) from exc
    finally:
        database.dispose()


def _in_session(work: Callable[["Session"], Result]) -> Result:
    with _session() as session:
        return work(session)


def print_issued(issued: "IssuedToken", api_url: str) -> None:
    typer.echo(f"Token for {issued.user.name} ({issued.user.role.value}), shown only this once:")
    typer.echo(f"  {issued.token}")
    typer.echo("Use it as a bearer token, for example:")
    typer.echo(f"  curl -H 'Authorization: Bearer {issued.token}' {api_url}/api/v1/commitments")


@users_app.command("add")
def add_user(
    name: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    party: Annotated[str | None, typer.Option(help="Party code, e.g. US or ROK")] = None,
    expires: Annotated[
        datetime | None, typer.Option(help="Token expiry (UTC), e.g. 2027-01-01")
    ] = None,
) -> None:
    """Create a user and print their first token (once)."""
    from datetime import UTC

    from pydantic import ValidationError

    from app.core.config import get_settings
    from app.users import UserCreate, service

    try:
        request = UserCreate(
            name=name,
            role=role,
            party=party,
            token_expires_at=expires.replace(tzinfo=UTC) if expires else None,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        raise CliError(f"{'.'.join(map(str, error['loc']))}: {error['msg']}") from exc
    issued = _in_session(lambda session: service.create_user(session=session, request=request))
    print_issued(issued, get_settings().public_url)


@users_app.command("list")
def list_users() -> None:
    """List users with their role, party and tokens."""
    from app.users import service

    users = _in_session(lambda session: service.list_users(session=session))
    typer.echo(f"{'ID':>4}  {'NAME':<24} {'ROLE':<7} {'PARTY':<6} TOKENS (id:prefix:state)")
    for user in users:
        tokens = " ".join(
            f"{t.id}:{t.prefix}:{'revoked' if t.revoked_at else 'active'}" for t in user.tokens
        )
        state = " (disabled)" if user.disabled else ""
        typer.echo(
            f"{user.id:>4}  {user.name:<24} {user.role.value:<7} {user.party or '-':<6} "
            f"{tokens}{state}"
        )


@tokens_app.command("revoke")
def revoke_token(token_id: int) -> None:
    """Revoke a token by id (see `users list`)."""
    from app.users import service

    token = _in_session(lambda session: service.revoke_token(session=session, token_id=token_id))
    typer.echo(f"Token {token.id} ({token.prefix}...) revoked.")


@tokens_app.command("create")
def create_token(
    user: Annotated[str, typer.Argument(help="User name")],
    label: Annotated[str | None, typer.Option()] = None,
    scope: Annotated[
        IssuableScope,
        typer.Option(help="api: what the user's role allows; metrics: /metrics only."),
    ] = IssuableScope.api,
) -> None:
    """Issue another token for a user and print it (once)."""
    from app.core.config import get_settings
    from app.users import TokenCreate, service

    def issue(session: "Session") -> "IssuedToken":
        user_id = service.find_user_id(session=session, name=user)
        return service.issue_token(
            session=session, user_id=user_id, request=TokenCreate(label=label, scope=scope)
        )

    print_issued(_in_session(issue), get_settings().public_url)


def bootstrap(*, create_admin: bool = True) -> None:
    """Before serving: extend interval cycles; on a register with no users, create the first
    administrator (unless told not to: a container's log is no place for a token); say how to
    authenticate."""
    from app.core.config import get_settings
    from app.core.security import SYSTEM
    from app.meetings import extend_interval_cycles
    from app.users import service

    _in_session(lambda session: extend_interval_cycles(session=session, actor=SYSTEM))

    issued = (
        _in_session(lambda session: service.bootstrap_admin(session=session))
        if create_admin
        else None
    )
    if issued is not None:
        typer.echo("First start: created the administrator 'admin'.")
        print_issued(issued, get_settings().public_url)
    else:
        typer.echo(
            "Authenticate with 'Authorization: Bearer <token>'; "
            "'commitments users add NAME --role admin' creates an administrator, and "
            "'commitments tokens create NAME' issues another token."
        )
