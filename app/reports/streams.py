"""The overdue report rendered as it is read, a slice of a group at a time: as JSON (the
OverdueReport document) or as the rows of its table."""

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json

from app.reports.models import DeadlineItem
from app.reports.service import OverdueSlice

_ITEMS = TypeAdapter(list[DeadlineItem])

OVERDUE_COLUMNS = ["party", "lead", "ref", "cycle", "title", "due_date", "days_overdue", "link"]


def _group_head(piece: OverdueSlice) -> bytes:
    # The first item of a group is its most overdue.
    head = {
        "party": piece.party,
        "lead": piece.lead,
        "max_days_overdue": piece.items[0].days_overdue or 0,
    }
    return to_json(head)[:-1] + b',"items":['


def overdue_json(
    *, as_of: date, slices: Iterable[OverdueSlice], total: Callable[[], int]
) -> Iterator[bytes]:
    """The OverdueReport document, written as its groups come. What counts them comes after
    what it counts: a group's `count` after its items, the report's `total` (`total()`, read
    in the same snapshot) after its groups, so that the document starts at once."""
    yield b'{"as_of":%b,"groups":[' % to_json(as_of)
    group: tuple[str, str | None] | None = None
    count = 0
    for piece in slices:
        items = _ITEMS.dump_json(piece.items)[1:-1]
        if (piece.party, piece.lead) == group:
            yield b"," + items
        else:
            closing = b"" if group is None else b'],"count":%d},' % count
            yield closing + _group_head(piece) + items
            group, count = (piece.party, piece.lead), 0
        count += len(piece.items)
    closing = b"" if group is None else b'],"count":%d}' % count
    yield closing + b'],"total":%d}' % total()


def overdue_rows(slices: Iterable[OverdueSlice]) -> Iterator[list[Any]]:
    """The report as rows of OVERDUE_COLUMNS: one an item of a group."""
    for piece in slices:
        for i in piece.items:
            yield [
                piece.party,
                piece.lead,
                i.ref,
                i.cycle,
                i.title,
                i.due_date,
                i.days_overdue,
                i.link,
            ]
