"""The board's plumbing: pages rendered from templates, the signed-in officer, form tokens,
and errors shown as pages (the API's problem documents are for programs)."""

from collections.abc import Callable, Coroutine, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError

from app.board import service
from app.board.forms import describe_invalid
from app.core.errors import ProblemError, UnauthorizedError
from app.core.problems import database_problem
from app.core.security import Principal
from app.core.sessions import SessionDep
from app.core.validation import NulFree

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
COOKIE = "board_session"
SIGN_IN_COOKIE = "board_sign_in"
PATH = "/board"

templates = Jinja2Templates(directory=HERE / "templates")


class SignInNeededError(Exception):
    """The page needs a signed-in officer; the browser is sent to sign in."""


def _local(value: datetime | None, request: Request) -> str:
    if value is None:
        return ""
    zone = request.app.state.settings.zone
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


templates.env.globals["iso"] = _iso


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page; every template sees the officer, their form token and the helpers."""
    user: Principal | None = getattr(request.state, "board_user", None)
    session_id = request.cookies.get(COOKIE)
    values = {
        "user": user,
        "csrf": service.form_token(session_id) if user is not None and session_id else "",
        "local": lambda value: _local(value, request),
        "path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    # 303: the browser follows a form's POST with a GET.
    return RedirectResponse(url, status_code=303)


def signed_in(request: Request, session: SessionDep) -> Principal:
    """The officer of the board session in the request's cookie (never a bearer token, and the
    cookie never reaches /api/: it is scoped to the board's path)."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        raise SignInNeededError
    try:
        principal = service.principal_of(session=session, session_id=session_id)
    except UnauthorizedError:
        raise SignInNeededError from None
    request.state.board_user = principal
    request.state.user = principal.name  # for the request's log line
    return principal


Officer = Annotated[Principal, Depends(signed_in)]


class FormTokenRefusedError(ProblemError):
    status, kind, title = 403, "form-token", "Form expired"

    def __init__(self) -> None:
        super().__init__(
            "This form was not issued to your session (it may be from an old page or another "
            "site). Reload the page and send it again."
        )


def checked_form(
    request: Request, officer: Officer, csrf: Annotated[NulFree, Form(max_length=200)] = ""
) -> Principal:
    """The officer, for a form that changes something: only with the form token of their
    session, which a page of another site cannot know."""
    session_id = request.cookies.get(COOKIE, "")
    if not csrf or not service.form_token_matches(session_id, csrf):
        raise FormTokenRefusedError()
    return officer


FormOfficer = Annotated[Principal, Depends(checked_form)]


def _error_page(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    page = render(request, "error.html", {"title": title, "detail": detail}, status_code=status)
    page.headers.update(headers or {})
    return page


Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A board route: a missing sign-in leads to the sign-in page, and every error becomes a
    page with the same status the API would answer (the request's transaction is already
    rolled back when it gets here). A page reads its own query string (the register's
    filters arrive as a form sends them)."""

    checks_own_query = True

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeededError:
                wanted = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else "")
                )
                return redirect(f"{PATH}/sign-in?next={wanted}")
            except ProblemError as error:
                return _error_page(request, error.status, error.title, error.detail, error.headers)
            except SQLAlchemyError as error:
                # An outage or a busy database is a page too; a real fault stays the app's.
                problem = database_problem(request, error)
                if problem is None:
                    raise
                return _error_page(
                    request, problem.status, problem.title, problem.detail, problem.headers
                )
            except RequestValidationError as error:
                return _error_page(
                    request, 422, "Invalid input", describe_invalid(error.errors(), skip=1)
                )

        return page
