"""Entity tags of versioned records (RFC 9110 section 8.8.3), and the If-Match precondition
that guards every change (RFC 9110 section 13.1.1, RFC 6585).

A record's representation is tagged "<version>.<hash of the body>" (`strong_etag`): the
body also shows what the record does not own (a lead contact's name, whether it is overdue
today), and its tag changes with it. If-Match guards the record's own state, so it compares
the version: a tag read before a lead contact was renamed still allows the change, one read
before another change of the record does not. "<version>" alone is accepted too."""

import hashlib
from dataclasses import dataclass

from app.core.errors import PreconditionFailedError, PreconditionRequiredError

# The longest If-Match or If-None-Match header taken (the schema says so); a longer one is
# refused wherever it arrives (the routes, and answers given before routing).
PRECONDITION_MAX_LENGTH = 200


def etag_of(version: int) -> str:
    return f'"{version}"'


def body_hasher() -> "hashlib.blake2b":
    """What a body's tag hashes, fed a piece at a time for a body sent as it is produced."""
    return hashlib.blake2b(digest_size=12)


def strong_etag(body: bytes, *, version: int | None = None) -> str:
    """A tag of this very body; a versioned record's starts with its version (read back by
    `_version_of`). It tells nothing the body does not: a change the body does not show
    leaves it as it was."""
    hasher = body_hasher()
    hasher.update(body)
    return tag_of(hasher, version=version)


def tag_of(hasher: "hashlib.blake2b", *, version: int | None = None) -> str:
    digest = hasher.hexdigest()
    return f'"{digest}"' if version is None else f'"{version}.{digest}"'


def _version_of(tag: str) -> str:
    """The version a record's tag was read at: '"7.3f2a"' -> '"7"'."""
    if tag.startswith('"') and "." in tag:
        return tag.split(".", 1)[0] + '"'
    return tag


def _listed(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def matches_if_none_match(header: str | None, etag: str) -> bool:
    if not header:
        return False
    # Weak comparison, as RFC 9110 prescribes for If-None-Match.
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in _listed(header))


@dataclass(frozen=True)
class IfMatch:
    """The If-Match header of a request (None when absent)."""

    header: str | None

    def check(self, version: int) -> None:
        if self.header is None:
            raise PreconditionRequiredError(
                "Send If-Match with the ETag you last read, so a newer change is not overwritten."
            )
        current = etag_of(version)
        # Strong comparison: a weak tag never matches for If-Match.
        if not any(tag == "*" or _version_of(tag) == current for tag in _listed(self.header)):
            raise PreconditionFailedError(
                f"It changed since you read it; it is now at version {version}.",
                headers={"ETag": current},
                current_etag=current,
                current_version=version,
            )
