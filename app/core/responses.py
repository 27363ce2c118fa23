"""Responses rendered inside the endpoint, on the thread that holds the database connection.

Returning a ready Response keeps FastAPI from validating and serializing the result again in
the thread pool after the endpoint returns, while the request's session still holds its
connection: a request never waits for a thread with a connection checked out.
"""

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel


def dump_json(content: Any) -> bytes:
    if isinstance(content, BaseModel):
        return content.model_dump_json().encode()
    return orjson.dumps(content, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_response(
    content: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        content=dump_json(content),
        status_code=status_code,
        media_type="application/json",
        headers=dict(headers) if headers else None,
    )


CHUNK_BYTES = 64 * 1024


def in_chunks(pieces: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """`pieces` joined into chunks of about `size` bytes: a streamed body goes out in a few
    sends (and thread-pool hops) rather than one a line. The first piece goes alone, so that
    the body starts as soon as its beginning is known."""
    rest = iter(pieces)
    yield from itertools.islice(rest, 1)
    buffered: list[bytes] = []
    length = 0
    for piece in rest:
        buffered.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffered)
            buffered, length = [], 0
    if buffered:
        yield b"".join(buffered)
