"""What an export must hold to be one state of the register: checked before an import writes
anything, so that a torn or damaged file is refused rather than half taken in."""

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

Rows = dict[str, list[dict[str, Any]]]
SHOWN = 5


def rows_of(document: dict[str, Any]) -> Rows:
    """The document's tables, each a list of rows; refused when the file has another shape."""
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(row, dict) for row in rows)
        for rows in tables.values()
    ):
        raise ValueError("its tables are not lists of rows")
    return tables


def _key(value: Any) -> Any:
    """A value as a set member: JSON arrays and objects (never keys) in a form that hashes."""
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


def _version(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_datetime(value: Any) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


# What a value must be for its column's type, and that type's name in a refusal.
_KINDS: list[tuple[type, str, Callable[[Any], bool]]] = [
    (Boolean, "a boolean", lambda value: isinstance(value, bool)),
    (Integer, "an integer", lambda value: _version(value) is not None),
    (Float, "a number", lambda value: isinstance(value, int | float) and value is not True),
    (DateTime, "a timezone-aware date and time", _is_datetime),
    (Date, "a date", _is_date),
    (String, "a string", lambda value: isinstance(value, str)),
]


def _wrong(column: Column[Any], value: Any) -> str | None:
    """Why `value` cannot be stored in `column`; None when it can."""
    kind = column.type
    if isinstance(kind, JSON):
        return None
    if value is None:
        return None if column.nullable else f"no {column.name}, which it needs"
    for base, name, fits in _KINDS:
        if isinstance(kind, base) or isinstance(getattr(kind, "impl", None), base):
            if not fits(value) or (isinstance(value, bool) and base is not Boolean):
                return f"{column.name} {json.dumps(value)}, not {name}"
            break
    length = getattr(kind, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        return f"a {column.name} longer than {length} characters"
    return None


def _named(table: Table, row: dict[str, Any]) -> str:
    key = ", ".join(f"{column.name} {row.get(column.name)}" for column in table.primary_key)
    return f"{table.name} ({key})"


def _dangling(tables: Sequence[Table], rows: Rows) -> Iterator[str]:
    """Rows that point at a row the file does not hold."""
    # The keys the file holds, by table and columns: many tables point at the same ones.
    held: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {}
    for table in tables:
        for constraint in table.foreign_key_constraints:
            columns = [column.name for column in constraint.columns]
            target = constraint.referred_table
            referred = tuple(element.column.name for element in constraint.elements)
            keys = held.get((target.name, referred))
            if keys is None:
                keys = held[target.name, referred] = {
                    tuple(_key(row.get(name)) for name in referred)
                    for row in rows.get(target.name, [])
                }
            for row in rows.get(table.name, []):
                key = tuple(_key(row.get(name)) for name in columns)
                if None not in key and key not in keys:
                    pointing = ", ".join(f"{n} {v}" for n, v in zip(columns, key, strict=True))
                    yield f"{_named(table, row)} has {pointing}, a {target.name} not in the file"


def _malformed(tables: Sequence[Table], rows: Rows) -> Iterator[str]:
    """Tables, columns and values the database has no place for."""
    known = {table.name for table in tables}
    for name in rows:
        if name not in known:
            yield f"a table {name}, which the register does not have"
    for table in tables:
        for row in rows.get(table.name, []):
            for key in row:
                if key not in table.columns:
                    yield f"{_named(table, row)} has a column {key}, which {table.name} lacks"
            for column in table.columns:
                wrong = _wrong(column, row.get(column.name))
                if wrong is not None:
                    yield f"{_named(table, row)} has {wrong}"


def _repeated(tables: Sequence[Table], rows: Rows) -> Iterator[str]:
    """Rows that repeat another's primary key or unique value; and history entries that
    record the same field of the same version twice (a change records each field once)."""
    for table in tables:
        uniques = [list(table.primary_key.columns)] + [
            list(constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ]
        if table.name == "commitment_history":
            uniques.append([table.c.commitment_id, table.c.version, table.c.field])
        for columns in uniques:
            seen: set[tuple[Any, ...]] = set()
            for row in rows.get(table.name, []):
                key = tuple(_key(row.get(column.name)) for column in columns)
                if None not in key and key in seen:
                    named = ", ".join(f"{c.name} {v}" for c, v in zip(columns, key, strict=True))
                    yield f"{_named(table, row)} repeats the {named} of another row"
                seen.add(key)


def _notes_recorded(rows: Rows) -> Iterator[str]:
    """History entries naming a note the file does not hold: notes are never deleted."""
    notes = {
        (_key(note.get("commitment_id")), _key(note.get("public_id")))
        for note in rows.get("progress_note", [])
    }
    for entry in rows.get("commitment_history", []):
        note = _key(entry.get("new_value"))
        if entry.get("field") == "note" and (_key(entry.get("commitment_id")), note) not in notes:
            yield f"commitment_history (id {entry.get('id')}) records note {note}, not in the file"


def _out_of_step(rows: Rows) -> Iterator[str]:
    """History and notes that do not match their commitment: every change of a commitment
    is one new version with its history, and every note is a change of its own."""
    commitments = {_key(row.get("id")): row for row in rows.get("commitment", [])}
    latest: dict[Any, int] = {}
    noted: set[tuple[Any, Any]] = set()
    for entry in rows.get("commitment_history", []):
        commitment_id = _key(entry.get("commitment_id"))
        commitment = commitments.get(commitment_id)
        version, held = _version(entry.get("version")), _version((commitment or {}).get("version"))
        if commitment is None or version is None or held is None:
            continue  # reported as dangling, or refused by the database as it is inserted
        if version > held:
            yield (
                f"commitment_history (id {entry.get('id')}) is version {version} of "
                f"{commitment.get('ref')}, which the file holds at version {held}"
            )
        latest[commitment_id] = max(version, latest.get(commitment_id, 0))
        if entry.get("field") == "note":
            noted.add((commitment_id, _key(entry.get("new_value"))))
    for commitment_id, commitment in commitments.items():
        held = _version(commitment.get("version"))
        # Version 1 without history: a commitment made before the history was kept.
        if held is not None and held > 1 and latest.get(commitment_id, 0) < held:
            yield (
                f"{commitment.get('ref')} is at version {held} but the file's history of it "
                f"ends at version {latest.get(commitment_id, 0)}"
            )
    for note in rows.get("progress_note", []):
        if (_key(note.get("commitment_id")), _key(note.get("public_id"))) not in noted:
            yield f"note {note.get('public_id')} has no entry in its commitment's history"


def problems(tables: Sequence[Table], rows: Rows) -> list[str]:
    """Each way in which `rows` cannot be one state of the register; none when it is."""
    found = [*_malformed(tables, rows), *_repeated(tables, rows)]
    return found or [*_dangling(tables, rows), *_out_of_step(rows), *_notes_recorded(rows)]


def summary(found: list[str]) -> str:
    shown = "; ".join(found[:SHOWN])
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return f"{shown}{more}"
