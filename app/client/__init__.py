"""The project's own client for scripts: typed, with retries, sync and async.

from app.client import CommitmentsClient

with CommitmentsClient("http://127.0.0.1:8000", token) as client:
    for commitment in client.iter_commitments(party="ROK", overdue=True):
        print(commitment.ref, commitment.due_date)
"""

from app.client.clients import AsyncCommitmentsClient, CommitmentsClient
from app.client.errors import (
    ApiError,
    BadRequestError,
    ClientError,
    ConflictError,
    ForbiddenError,
    InvalidQueryError,
    InvalidRequestError,
    InvalidTransitionError,
    NotAcceptableError,
    NotFoundError,
    OutcomeUnknownError,
    PayloadTooLargeError,
    PreconditionRequiredError,
    ServerError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    StateConflictError,
    TooManyRequestsError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from app.client.retry import RetryPolicy

__all__ = [
    "ApiError",
    "AsyncCommitmentsClient",
    "BadRequestError",
    "ClientError",
    "CommitmentsClient",
    "ConflictError",
    "ForbiddenError",
    "InvalidQueryError",
    "InvalidRequestError",
    "InvalidTransitionError",
    "NotAcceptableError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PayloadTooLargeError",
    "PreconditionRequiredError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "ServiceUnreachableError",
    "StateConflictError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
]
