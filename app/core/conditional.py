"""Entity tags on the wire: the precondition headers and responses that carry an ETag."""

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from fastapi import Header
from fastapi.responses import Response
from pydantic_core import to_json

from app.core.cache import Rendered
from app.core.etags import PRECONDITION_MAX_LENGTH
from app.core.responses import dump_json


class Versioned(Protocol):
    version: int


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=PRECONDITION_MAX_LENGTH,
        description='The ETag last read (e.g. "3.9f86d081884c7d659a2feaa0"), or the version '
        'read as "3"',
    ),
]
IfNoneMatchHeader = Annotated[
    str | None, Header(alias="If-None-Match", max_length=PRECONDITION_MAX_LENGTH)
]


def versioned(model: Versioned) -> Rendered:
    """The model as JSON, tagged with its version and a hash of the body."""
    return Rendered.of(dump_json(model), version=model.version)


def versioned_document(document: Mapping[str, Any]) -> Rendered:
    """A record already in its JSON form (plain data with a "version"), tagged likewise."""
    return Rendered.of(to_json(document), version=document["version"])


def versioned_response(
    model: Versioned, *, status_code: int = 200, if_none_match: str | None = None
) -> Response:
    """The model as JSON with its ETag, or 304 when the client already has this very body."""
    return versioned(model).response(if_none_match=if_none_match, status_code=status_code)
