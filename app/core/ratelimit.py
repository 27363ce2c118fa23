"""Failed authentication, counted per client address in a sliding window (per process)."""

import threading
import time
from collections import defaultdict, deque


class FailureLimiter:
    def __init__(self, *, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, address: str, now: float) -> deque[float]:
        failures = self._failures[address]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, address: str) -> int | None:
        """Seconds to wait, if this address has failed too often; otherwise None."""
        now = time.monotonic()
        with self._lock:
            failures = self._prune(address, now)
            if len(failures) < self.limit:
                if not failures:
                    self._failures.pop(address, None)
                return None
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, address: str) -> None:
        with self._lock:
            self._failures[address].append(time.monotonic())
