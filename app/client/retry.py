"""When to try a request again, and after how long.

- A connection that failed before anything was sent: always.
- 429 and 503: the server refused the request without acting on it (too many failed
  sign-ins, a busy database, not ready), so any request may be sent again, after the
  `Retry-After` it asks for (up to `max_retry_after`; a longer wait is not waited for).
- 502 and 504, a connection lost mid-request, a 503 whose problem type says the outcome is
  unknown (the database went away while committing), and a 409 saying the same
  Idempotency-Key is still being done: the request may have been acted on, so only a call
  that is safe to repeat (an idempotent method, or one carrying an Idempotency-Key, which the
  server does once) is sent again.
- Never after any other answer."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.client.calls import Call
from app.core.errors import problem_type

REFUSED_UNPROCESSED = frozenset({429, 503})
MAYBE_PROCESSED = frozenset({502, 504})
# Problems that say the request may have been, or is being, acted on.
MAYBE_PROCESSED_PROBLEMS = frozenset(
    {(503, problem_type("outcome-unknown")), (409, problem_type("idempotency-key-in-flight"))}
)
PROBLEM_STATUSES = frozenset(status for status, _ in MAYBE_PROCESSED_PROBLEMS)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _maybe_processed(response: httpx.Response) -> bool:
    status = response.status_code
    if status in MAYBE_PROCESSED:
        return True
    if status not in PROBLEM_STATUSES:
        return False
    try:
        kind = response.json().get("type")
    except (ValueError, AttributeError):  # not JSON, or not an object
        return False
    return (status, kind) in MAYBE_PROCESSED_PROBLEMS


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header (seconds or an HTTP date) as seconds from now, if readable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 0.5
    max_delay: float = 10.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int) -> float:
        base = min(self.max_delay, self.backoff * (2**attempt))
        return float(base * random.uniform(0.8, 1.2))  # jitter keeps clients from retrying in step

    def after_error(
        self, call: Call[Any], error: httpx.TransportError, attempt: int
    ) -> float | None:
        if attempt >= self.retries:
            return None
        if isinstance(error, NOT_SENT) or call.retriable:
            return self.delay(attempt)
        return None

    def after_response(
        self, call: Call[Any], response: httpx.Response, attempt: int
    ) -> float | None:
        if attempt >= self.retries:
            return None
        if _maybe_processed(response):
            if not call.retriable:
                return None
        elif response.status_code not in REFUSED_UNPROCESSED:
            return None
        asked = retry_after_seconds(response)
        if asked is None:
            return self.delay(attempt)
        return asked if asked <= self.max_retry_after else None
