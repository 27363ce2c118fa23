"""A change to a commitment, typed: each field it touched, with the value it had and the one
it got, in the order the change made them. The history stores each field's pair, the outbox
the new values; both in their JSON form, built here."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


def as_json(value: Any) -> Any:
    """A value as the history and the outbox store it (dates as ISO text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Change:
    """What one change did: each field once, in the order it was touched."""

    fields: tuple[FieldChange, ...] = ()

    @classmethod
    def of(cls, field: str, old: Any, new: Any) -> "Change":
        return cls((FieldChange(field, old, new),))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __contains__(self, name: object) -> bool:
        return any(change.field == name for change in self.fields)

    def __or__(self, other: "Change") -> "Change":
        """Both changes as one: a field both touch keeps its place and takes the other's pair
        (as a dict's `|` would)."""
        theirs = {change.field: change for change in other.fields}
        kept = tuple(theirs.pop(change.field, change) for change in self.fields)
        return Change(kept + tuple(theirs.values()))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(change.field for change in self.fields)

    def get(self, name: str) -> FieldChange | None:
        return next((change for change in self.fields if change.field == name), None)

    def only(self, names: Collection[str]) -> "Change":
        return Change(tuple(change for change in self.fields if change.field in names))

    def without(self, name: str) -> "Change":
        return Change(tuple(change for change in self.fields if change.field != name))

    def new_values(self) -> dict[str, Any]:
        """The outbox's form: each field's new value, as JSON."""
        return {change.field: as_json(change.new) for change in self.fields}
