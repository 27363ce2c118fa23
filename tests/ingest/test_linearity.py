"""Reading a statement takes time linear in its length, hostile statements included: the
same reading of a text four times as long costs well under eight times as much (a step that
grows with the square of the text costs sixteen times as much). CPU time, the least of
several runs of each size measured within the test, keeps a loaded machine from deciding."""

import time
from collections.abc import Callable

import pytest

from app.ingest.extractor import Statement, propose
from app.ingest.text import paragraphs_of
from app.reference.enums import TextFormat
from tests.ingest.statements import JOINT_STATEMENT, PAGE
from tests.ingest.test_extractor import ISSUED, VOCABULARY

CHARS = 6_000
REPEATS = 3


def _cost(read: Callable[[], object]) -> float:
    costs = []
    for _ in range(REPEATS):
        started = time.process_time()
        read()
        costs.append(time.process_time() - started)
    return min(costs)


def _reading(unit: str, chars: int, text_format: TextFormat) -> Callable[[], object]:
    text = (unit * (chars // len(unit) + 1))[:chars]

    def read() -> object:
        statement = Statement(paragraphs_of(text, text_format), ["US", "ROK"], ISSUED)
        return propose(statement, VOCABULARY)

    return read


@pytest.mark.parametrize(
    ("unit", "text_format"),
    [
        ("Both sides will act; ", TextFormat.plain),  # one sentence of many clauses
        ("will act, and expand ", TextFormat.plain),  # clauses that borrow its subject
        ("(a. ", TextFormat.plain),  # what the sentence splitter reads slowest
        ("U.S. ", TextFormat.plain),  # abbreviations, never a sentence's end
        ("*a ", TextFormat.markdown),  # emphasis opened and never closed
        ("**a_[", TextFormat.markdown),
        ("Both sides will\n", TextFormat.plain),  # a line wrapped again and again
        ("<p>", TextFormat.html),  # blocks never closed, each inside the one before
        ("<nav><p>a", TextFormat.html),  # elements dropped, each inside the one before
        (PAGE, TextFormat.html),
        (JOINT_STATEMENT, TextFormat.plain),
    ],
)
def test_a_statement_four_times_as_long_takes_at_most_about_four_times_as_long(
    unit: str, text_format: TextFormat
) -> None:
    short = _cost(_reading(unit, CHARS, text_format))
    long = _cost(_reading(unit, 4 * CHARS, text_format))
    assert long < 8 * short, f"{long:.3f} s against {short:.3f} s"


@pytest.mark.parametrize(
    ("unit", "chars"),
    [
        ("<a ", CHARS),  # tags never closed, each opening the next
        ("<!--", CHARS),  # comments never closed
        # Unclosed character data: its scans are cheap, and grow with the square past a
        # few pages only.
        ("<![CDATA[", 4 * CHARS),
        ("<?", CHARS),  # processing instructions never closed
        ("</", CHARS),  # end tags never closed
    ],
)
def test_a_saved_page_of_malformed_markup_four_times_as_long_takes_about_four_times_as_long(
    unit: str, chars: int
) -> None:
    # Each construct left open made a parser scan the rest of the page again, for every one.
    short = _cost(_reading(unit, chars, TextFormat.html))
    long = _cost(_reading(unit, 4 * chars, TextFormat.html))
    assert long < 8 * short, f"{long:.3f} s against {short:.3f} s"
