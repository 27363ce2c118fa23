from enum import StrEnum


class TokenScope(StrEnum):
    api = "api"
    calendar = "calendar"
    # Reads /metrics and nothing else: what a Prometheus server is given.
    metrics = "metrics"


class IssuableScope(StrEnum):
    """The scopes an administrator issues tokens with; calendar tokens users make themselves."""

    api = TokenScope.api.value
    metrics = TokenScope.metrics.value
