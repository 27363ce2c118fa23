"""How the history names what changed: a commitment's own fields by name, its cycles' as
``cycle KEY`` (a cycle created) and ``cycle KEY: FIELD``. Built and read here only."""

from dataclasses import dataclass
from typing import Literal

CycleAttribute = Literal["status", "completed_on", "due_date"]
_PREFIX = "cycle "


def cycle_created(key: str) -> str:
    return f"{_PREFIX}{key}"


def cycle_field(key: str, attribute: CycleAttribute) -> str:
    return f"{_PREFIX}{key}: {attribute}"


@dataclass(frozen=True)
class CycleField:
    key: str
    attribute: str | None  # None: the cycle was created


def parse_cycle_field(name: str) -> CycleField | None:
    """The cycle a history field name is about, or None for the commitment's own fields."""
    if not name.startswith(_PREFIX):
        return None
    key, _, attribute = name.removeprefix(_PREFIX).partition(": ")
    return CycleField(key=key, attribute=attribute or None)
