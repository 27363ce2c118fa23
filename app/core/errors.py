"""The errors the services raise, each an RFC 9457 problem type.

No web framework here: the commands import these too, and start faster without one.
"""

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "tag:alliance-commitments,2026:problem/"


def problem_type(kind: str) -> str:
    return PROBLEM_TYPE_PREFIX + kind


class ProblemError(Exception):
    status: int = 400
    kind: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


class NotFoundError(ProblemError):
    status, kind, title = 404, "not-found", "Not found"


class ConflictError(ProblemError):
    status, kind, title = 409, "conflict", "Conflict"


class InvalidTransitionError(ProblemError):
    status, kind, title = 409, "invalid-transition", "Status transition not allowed"


class InvalidCursorError(ProblemError):
    status, kind, title = 400, "invalid-cursor", "Invalid pagination cursor"


class UnauthorizedError(ProblemError):
    status, kind, title = 401, "unauthorized", "Authentication required"


class ForbiddenError(ProblemError):
    status, kind, title = 403, "forbidden", "Not allowed"


class PreconditionFailedError(ProblemError):
    status, kind, title = 412, "precondition-failed", "The resource has changed"


class PreconditionRequiredError(ProblemError):
    status, kind, title = 428, "precondition-required", "If-Match header required"


class UnprocessableError(ProblemError):
    status, kind, title = 422, "validation-error", "Invalid request"


class PayloadTooLargeError(ProblemError):
    status, kind, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaTypeError(ProblemError):
    status, kind, title = 415, "unsupported-media-type", "Unsupported media type"


class NotAcceptableError(ProblemError):
    status, kind, title = 406, "not-acceptable", "Not acceptable"


class TooManyRequestsError(ProblemError):
    status, kind, title = 429, "too-many-requests", "Too many requests"


class ServiceBusyError(ProblemError):
    status, kind, title = 503, "busy", "Busy"


class NotReadyError(ProblemError):
    status, kind, title = 503, "not-ready", "Not ready"


class DatabaseUnavailableError(ProblemError):
    """The database cannot be reached, does not answer in time, or cannot write (its disk
    full): nothing was done, and the request can be sent again after Retry-After."""

    status, kind, title = 503, "database-unavailable", "Database unavailable"


class OutcomeUnknownError(ProblemError):
    """The connection was lost while the change was being committed: it may or may not have
    been saved."""

    status, kind, title = 503, "outcome-unknown", "Outcome unknown"


class InternalError(ProblemError):
    status, kind, title = 500, "internal-error", "Internal server error"
