"""Failed authentication, counted per client address in a sliding window.

The counts live in the storage `COMMITMENTS_RATE_LIMIT_STORAGE` names: `memory://` (each worker
process counts on its own; entries expire with their window) or `redis://host:port/db`, shared
by every worker and every replica. Only failures are counted, and only a failure is refused:
a valid token is never turned away for what others sent from the same address (a ministry's
NAT, a proxy, the compose bridge).
"""

import ipaddress
import time

from limits import RateLimitItemPerMinute, storage, strategies

# IPv6 clients get a /64 each: counting single addresses would let one host rotate through
# billions of them, and keep as many entries.
IPV6_PREFIX = 64


def client_key(address: str) -> str:
    """The unit a failure is counted against: the IPv4 address, or the IPv6 /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


class FailureLimiter:
    """At most `limit` failed authentications a minute per client; the next ones get 429."""

    def __init__(self, *, limit: int, storage_uri: str = "memory://") -> None:
        self.item = RateLimitItemPerMinute(limit)
        self.storage = storage.storage_from_string(storage_uri)
        # Sliding window counter: two counters a key, each expiring with its window.
        self.strategy = strategies.SlidingWindowCounterRateLimiter(self.storage)

    def failed(self, address: str) -> int | None:
        """Count a failure; return seconds to wait if this one is over the limit, else None."""
        key = client_key(address)
        if self.strategy.hit(self.item, "auth-failures", key):
            return None
        stats = self.strategy.get_window_stats(self.item, "auth-failures", key)
        return max(1, int(stats.reset_time - time.time()) + 1)
