"""Opaque keyset cursors: the sort keys of the last row of a page, validated on the way back.

A cursor holds only values the caller has just been shown (never a row id, whose sequence
counts the rows the caller may not see), and each value is bounded before it reaches SQL.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_

from app.core.errors import InvalidCursorError
from app.core.validation import EARLIEST, LATEST, utc_instant


def cursor_flag(raw: Any) -> int:
    if raw not in (0, 1) or isinstance(raw, bool):
        raise ValueError("a flag is 0 or 1")
    return int(raw)


def cursor_day(raw: Any) -> date:
    day = date.fromisoformat(raw)
    if not EARLIEST <= day <= LATEST:
        raise ValueError("day out of range")
    return day


def cursor_instant(raw: Any) -> datetime:
    return utc_instant(datetime.fromisoformat(raw))


def cursor_text(max_length: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str) or not 0 < len(raw) <= max_length:
            raise ValueError("text out of range")
        return raw

    return parse


@dataclass(frozen=True)
class SortKey:
    """One ordering column, how to read its cursor value back, and its direction."""

    column: SQLColumnExpression[Any]
    parse: Callable[[Any], Any]
    descending: bool = False

    def order_by(self) -> ColumnElement[Any]:
        return self.column.desc() if self.descending else self.column.asc()


def encode_cursor(sort_name: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps([sort_name, *values], default=str)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, sort_name: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidCursorError("The cursor is not one this API issued.") from exc
    if not isinstance(payload, list) or len(payload) != len(keys) + 1:
        raise InvalidCursorError("The cursor is not one this API issued.")
    if payload[0] != sort_name:
        raise InvalidCursorError(
            "The cursor belongs to another sort order; start again without it."
        )
    try:
        return [
            None if raw is None else key.parse(raw)
            for key, raw in zip(keys, payload[1:], strict=True)
        ]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidCursorError("The cursor is not one this API issued.") from exc


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
