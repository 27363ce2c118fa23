"""Constrained types shared by the request and response schemas."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

Code = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+-]+$")]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def _upper(value: str) -> str:
    return value.upper()


PartyCode = Annotated[Code, AfterValidator(_upper)]


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text; other control characters have no place in these fields.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValueError("control characters are not allowed")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


Text = Annotated[str, AfterValidator(_printable)]
Title = Annotated[
    str, StringConstraints(max_length=300), AfterValidator(_printable), AfterValidator(_not_blank)
]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_printable)]

# Far enough for any real deadline, and far from the edges where date arithmetic overflows.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
