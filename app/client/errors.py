"""Every problem+json answer becomes one of these, carrying its status, type and detail.

The class follows the problem's `type` (two kinds of 409 differ only by it), and the status
where the type is not one of this API's. A request the API would refuse is refused before it is
sent (InvalidQueryError, or InvalidRequestError for a body), a server that cannot be reached is
a ServiceUnreachableError, and an answer that is not the API's (a proxy's HTML page) an
UnexpectedResponseError: every error the client raises is a ClientError."""

from collections.abc import Mapping, Sequence
from typing import Any

from app.core import errors as problems


class ClientError(Exception):
    """Whatever the client raises: catch this for every failure of a call."""


class InvalidQueryError(ClientError):
    """A filter, sort or parameter the API would refuse; nothing was sent.

    `names` are the offending parameters, `allowed` every name the operation takes."""

    def __init__(
        self, operation: str, detail: str, names: Sequence[str], allowed: Sequence[str]
    ) -> None:
        super().__init__(f"{operation}: {detail}; it takes {', '.join(allowed)}.")
        self.operation = operation
        self.detail = detail
        self.names = tuple(names)
        self.allowed = tuple(allowed)


class InvalidRequestError(ClientError):
    """A request body the API would refuse (a misspelt or missing field, not an object);
    nothing was sent. `errors` are the problems found, as the API's 422 lists them."""

    def __init__(self, kind: str, errors: Sequence[Mapping[str, Any]]) -> None:
        found = "; ".join(
            f"{'.'.join(map(str, error.get('loc', ()))) or 'body'}: {error.get('msg', '')}"
            for error in errors
        )
        super().__init__(f"{kind}: {found}")
        self.kind = kind
        self.errors = [dict(error) for error in errors]


class UnexpectedResponseError(ClientError):
    """A successful status whose body is not what the API answers (not JSON, or not its
    schema): most often a proxy's own page. `body` is the start of it."""

    def __init__(self, status: int, content_type: str, body: str, expected: str) -> None:
        super().__init__(
            f"{status} answer is not a {expected} ({content_type or 'no content type'}): {body!r}"
        )
        self.status = status
        self.content_type = content_type
        self.body = body
        self.expected = expected


class ServiceUnreachableError(ClientError):
    """No answer from the server after the retries: refused, unknown host, timed out, or the
    connection lost. The httpx error is the cause (`__cause__`); a write that lost its
    connection mid-request may have been done."""

    def __init__(self, method: str, url: str, attempts: int, cause: Exception) -> None:
        tries = f"{attempts} attempt{'s' * (attempts != 1)}"
        super().__init__(f"{method} {url}: no answer after {tries}: {cause!r}")
        self.method = method
        self.url = url
        self.attempts = attempts
        self.cause = cause


class ApiError(ClientError):
    def __init__(
        self, status: int, type: str, title: str, detail: str, body: dict[str, Any]
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.body = body


class BadRequestError(ApiError):
    pass


class UnauthorizedError(ApiError):
    pass


class ForbiddenError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class InvalidTransitionError(ApiError):
    """409: the status cannot move that way; `allowed_next` says where it can."""

    @property
    def allowed_next(self) -> list[str]:
        return list(self.body.get("allowed_next", []))


class ConflictError(ApiError):
    """412: the record changed since it was read; `current_version` is the server's."""

    @property
    def current_etag(self) -> str | None:
        return self.body.get("current_etag")

    @property
    def current_version(self) -> int | None:
        version = self.body.get("current_version")
        return int(version) if version is not None else None


class StateConflictError(ApiError):
    """409: the request conflicts with what exists (a duplicate name, a contact still leading
    open work)."""


class ValidationError(ApiError):
    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors", []))


class PreconditionRequiredError(ApiError):
    pass


class PayloadTooLargeError(ApiError):
    pass


class NotAcceptableError(ApiError):
    pass


class TooManyRequestsError(ApiError):
    """429: too many failed sign-ins from this address; `retry_after` says for how long."""

    @property
    def retry_after(self) -> int | None:
        value = self.body.get("retry_after")
        return value if isinstance(value, int) else None


class ServerError(ApiError):
    pass


class ServiceUnavailableError(ServerError):
    """503: busy, not ready or the database unavailable; nothing was done, and the request can
    be sent again."""


class OutcomeUnknownError(ServiceUnavailableError):
    """503: the database connection was lost while the change was being committed, so it may or
    may not be saved. Read it back, or send it again with the same Idempotency-Key (the
    client's creating calls do so themselves)."""


# Keyed by the server's own error classes, so a problem type cannot drift between the two.
_BY_TYPE: dict[str, type[ApiError]] = {
    problems.problem_type(server.kind): client
    for server, client in (
        (problems.ProblemError, BadRequestError),
        (problems.InvalidCursorError, BadRequestError),
        (problems.UnauthorizedError, UnauthorizedError),
        (problems.ForbiddenError, ForbiddenError),
        (problems.NotFoundError, NotFoundError),
        (problems.NotAcceptableError, NotAcceptableError),
        (problems.ConflictError, StateConflictError),
        (problems.InvalidTransitionError, InvalidTransitionError),
        (problems.PreconditionFailedError, ConflictError),
        (problems.PayloadTooLargeError, PayloadTooLargeError),
        (problems.UnprocessableError, ValidationError),
        (problems.PreconditionRequiredError, PreconditionRequiredError),
        (problems.TooManyRequestsError, TooManyRequestsError),
        (problems.ServiceBusyError, ServiceUnavailableError),
        (problems.NotReadyError, ServiceUnavailableError),
        (problems.DatabaseUnavailableError, ServiceUnavailableError),
        (problems.OutcomeUnknownError, OutcomeUnknownError),
        (problems.InternalError, ServerError),
    )
}


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    406: NotAcceptableError,
    409: StateConflictError,
    412: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    428: PreconditionRequiredError,
    429: TooManyRequestsError,
    503: ServiceUnavailableError,
}


def error_for(status: int, body: dict[str, Any]) -> ApiError:
    kind = _BY_TYPE.get(str(body.get("type"))) or _BY_STATUS.get(
        status, ServerError if status >= 500 else ApiError
    )
    return kind(
        status=status,
        type=str(body.get("type", "about:blank")),
        title=str(body.get("title", "")),
        detail=str(body.get("detail", "")),
        body=body,
    )
