"""Opaque keyset cursors: the sort keys of the last row of a page, validated on the way back.

A cursor holds only values the caller has just been shown (never a row id, whose sequence
counts the rows the caller may not see), and each value is bounded before it reaches SQL.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import orjson
from pydantic import StringConstraints, TypeAdapter
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_

from app.core.errors import InvalidCursorError
from app.core.validation import EARLIEST, ISO_DATE, LATEST, utc_instant

NOT_ISSUED = "The cursor is not one this API issued."
CURSOR_MAX_LENGTH = 512
# As encode_cursor writes it: unpadded base64url.
Cursor = Annotated[
    str, StringConstraints(min_length=1, max_length=CURSOR_MAX_LENGTH, pattern=r"^[A-Za-z0-9_-]+$")
]


def cursor_flag(raw: Any) -> int:
    if type(raw) is not int or raw not in (0, 1):
        raise ValueError("a flag is 0 or 1")
    return raw


def cursor_day(raw: Any) -> date:
    if not isinstance(raw, str) or not ISO_DATE.match(raw):
        raise ValueError("a day is written YYYY-MM-DD")
    day = date.fromisoformat(raw)
    if not EARLIEST <= day <= LATEST:
        raise ValueError("day out of range")
    return day


def cursor_instant(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("a time is written as text")
    return utc_instant(datetime.fromisoformat(raw))


def cursor_text(adapter: TypeAdapter[str]) -> Callable[[Any], str]:
    """Text as the request schema's own type takes it (its length and characters), and
    nothing else: a number or a list is not read as text."""

    def parse(raw: Any) -> str:
        if not isinstance(raw, str):
            raise ValueError("not text")
        return adapter.validate_python(raw, strict=True)

    return parse


@dataclass(frozen=True)
class SortKey:
    """One ordering column, how to read its cursor value back, and its direction."""

    column: SQLColumnExpression[Any]
    parse: Callable[[Any], Any]
    descending: bool = False
    # NULLs sort last behind a flag key that tells them apart: a cursor there holds null.
    nullable: bool = False

    def order_by(self) -> ColumnElement[Any]:
        return self.column.desc() if self.descending else self.column.asc()


def encode_cursor(sort_name: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps([sort_name, *values], default=str)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, sort_name: str, keys: Sequence[SortKey]) -> list[Any]:
    """The values a cursor this API issued holds, or InvalidCursorError.

    A cursor is taken back only as it was issued: its values, read back, must encode to the
    very same text (no other spelling of a day or a time, no padding or characters the
    decoder would skip), so nothing the server did not write reaches SQL."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidCursorError(NOT_ISSUED) from exc
    if not isinstance(payload, list) or len(payload) != len(keys) + 1:
        raise InvalidCursorError(NOT_ISSUED)
    if payload[0] != sort_name:
        raise InvalidCursorError(
            "The cursor belongs to another sort order; start again without it."
        )
    try:
        values = [_parsed(key, raw) for key, raw in zip(keys, payload[1:], strict=True)]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidCursorError(NOT_ISSUED) from exc
    if encode_cursor(sort_name, values) != cursor:
        raise InvalidCursorError(NOT_ISSUED)
    return values


def _parsed(key: SortKey, raw: Any) -> Any:
    if raw is None:
        if not key.nullable:
            raise ValueError("no value")
        return None
    return key.parse(raw)


def after_cursor(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (lexicographic).

    A key whose cursor value is None (a NULL in a nulls-last region, behind a flag key)
    is equal for every row in that region, so it drops out of the comparison.
    """
    live = [(key, value) for key, value in zip(keys, values, strict=True) if value is not None]
    clauses = []
    for position, (key, value) in enumerate(live):
        equal_before = [k.column == v for k, v in live[:position]]
        beyond = key.column < value if key.descending else key.column > value
        clauses.append(and_(*equal_before, beyond))
    return or_(*clauses)
