"""Bearer tokens: random, shown once, stored only as a SHA-256 digest."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import ForbiddenError


class Role(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


class Channel(StrEnum):
    """Where a change came from, as the history records it."""

    api = "api"
    board = "board"
    cli = "cli"
    seed = "seed"
    system = "system"


TOKEN_PREFIX = "ac_"
# What new_token() produces: anything else is refused before it reaches the database.
TOKEN_PATTERN = re.compile(r"^ac_[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast digest cannot be brute-forced; no salt needed.
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def digests_match(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))


@dataclass(frozen=True)
class Actor:
    """Who made a change and through which channel, as the history records it."""

    name: str
    channel: Channel
    user_id: int | None = None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: int
    name: str
    role: Role
    party_id: int | None
    party_code: str | None
    token_id: int
    # Where the caller's changes come from, as the history records them.
    channel: Channel = Channel.api

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def actor(self, channel: Channel | None = None) -> Actor:
        return Actor(name=self.name, channel=channel or self.channel, user_id=self.user_id)


def require_role(principal: Principal | None, needed: Role) -> None:
    """Refuse a caller whose role is below `needed`. Every write use case starts here, so the
    rule holds on every channel (the API's routes, the board's forms); None is the register's
    operator (the command line, the seeds), who acts on the database itself."""
    if principal is not None and not principal.role.allows(needed):
        raise ForbiddenError(f"This needs the {needed.value} role; you are {principal.role.value}.")


SYSTEM = Actor(name="system", channel=Channel.system)
"""The register itself, for changes no one asked for (cycles coming into view)."""
