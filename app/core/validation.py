"""Constrained types shared by the request and response schemas."""

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

Code = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+-]+$")]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def _upper(value: str) -> str:
    return value.upper()


PartyCode = Annotated[Code, AfterValidator(_upper)]
