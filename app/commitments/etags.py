"""Strong entity tags derived from a record's version counter (RFC 9110 section 8.8.3)."""


def etag_of(version: int) -> str:
    return f'"{version}"'


def _listed(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def matches_if_none_match(header: str | None, etag: str) -> bool:
    if not header:
        return False
    # Weak comparison, as RFC 9110 prescribes for If-None-Match.
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in _listed(header))


def matches_if_match(header: str, etag: str) -> bool:
    # Strong comparison: a weak tag never matches for If-Match.
    return any(tag == "*" or tag == etag for tag in _listed(header))
