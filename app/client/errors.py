"""Every problem+json answer becomes one of these, carrying its status, type and detail."""

from typing import Any


class ApiError(Exception):
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


class ValidationError(ApiError):
    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors", []))


class PreconditionRequiredError(ApiError):
    pass


class ServerError(ApiError):
    pass


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: InvalidTransitionError,
    412: ConflictError,
    422: ValidationError,
    428: PreconditionRequiredError,
}


def error_for(status: int, body: dict[str, Any]) -> ApiError:
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return kind(
        status=status,
        type=str(body.get("type", "about:blank")),
        title=str(body.get("title", "")),
        detail=str(body.get("detail", "")),
        body=body,
    )
