"""When to try a request again: connection failures, and 502/503/504 answers, with backoff.

Never after a 4xx, and never resend a non-idempotent request (POST, PATCH) that may have
reached the server: only one that failed to connect at all."""

import random
from dataclasses import dataclass
from typing import Any

import httpx

from app.client.calls import Call

RETRY_STATUSES = frozenset({502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 0.5
    max_delay: float = 10.0

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
        if attempt >= self.retries or response.status_code not in RETRY_STATUSES:
            return None
        return self.delay(attempt) if call.idempotent else None
