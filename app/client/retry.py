"""When to try a request again, and after how long.

- A connection that failed before anything was sent: always.
- 429 and 503: the server refused the request without acting on it (too many failed
  sign-ins, a busy database, not ready), so any request may be sent again, after the
  `Retry-After` it asks for (up to `max_retry_after`; a longer wait is not waited for).
- 502 and 504, and a connection lost mid-request: the request may have been acted on, so only
  an idempotent one (GET, PUT, DELETE) is sent again.
- Never after any other answer."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.client.calls import Call

REFUSED_UNPROCESSED = frozenset({429, 503})
MAYBE_PROCESSED = frozenset({502, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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
        if isinstance(error, NOT_SENT) or call.idempotent:
            return self.delay(attempt)
        return None

    def after_response(
        self, call: Call[Any], response: httpx.Response, attempt: int
    ) -> float | None:
        status = response.status_code
        if attempt >= self.retries:
            return None
        if status in MAYBE_PROCESSED:
            return self.delay(attempt) if call.idempotent else None
        if status not in REFUSED_UNPROCESSED:
            return None
        asked = retry_after_seconds(response)
        if asked is None:
            return self.delay(attempt)
        return asked if asked <= self.max_retry_after else None
