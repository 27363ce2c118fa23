"""Strong entity tags derived from a record's version counter (RFC 9110 section 8.8.3), and
the If-Match precondition that guards every change (RFC 9110 section 13.1.1, RFC 6585)."""

from dataclasses import dataclass

from app.core.errors import PreconditionFailedError, PreconditionRequiredError


def etag_of(version: int) -> str:
    return f'"{version}"'


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
        if not any(tag in ("*", current) for tag in _listed(self.header)):
            raise PreconditionFailedError(
                f"It changed since you read it; it is now at version {version}.",
                headers={"ETag": current},
                current_etag=current,
                current_version=version,
            )
