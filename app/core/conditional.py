"""Entity tags on the wire: the precondition headers and responses that carry an ETag."""

from typing import Annotated, Protocol

from fastapi import Header
from fastapi.responses import Response

from app.core.etags import etag_of, matches_if_none_match
from app.core.responses import json_response


class Versioned(Protocol):
    version: int


IfMatchHeader = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description='The ETag last read, e.g. "3"'),
]
IfNoneMatchHeader = Annotated[str | None, Header(alias="If-None-Match", max_length=200)]


def versioned_response(
    model: Versioned, *, status_code: int = 200, if_none_match: str | None = None
) -> Response:
    """The model as JSON with its ETag, or 304 when the client already has this version."""
    etag = etag_of(model.version)
    if matches_if_none_match(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return json_response(model, status_code=status_code, headers={"ETag": etag})
