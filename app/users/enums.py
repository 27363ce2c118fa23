from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


class TokenScope(StrEnum):
    api = "api"
    calendar = "calendar"
    # Reads /metrics and nothing else: what a Prometheus server is given.
    metrics = "metrics"


class IssuableScope(StrEnum):
    """The scopes an administrator issues tokens with; calendar tokens users make themselves."""

    api = TokenScope.api.value
    metrics = TokenScope.metrics.value
