"""Sentences of a paragraph, as spans, by pysbd's rules (chosen by measurement on the
register's statements: it keeps "U.S.", "Korea-U.S." and numbered lists whole, where the
alternatives tried split them).

pysbd's time grows with the square of the text it is given (its abbreviation and list
passes rescan the text for each match), so it never sees more than a window of text: a
longer paragraph is read window by window, each starting where the last sentence the
window before could not finish began. Paragraphs of real statements are shorter than a
window and are read whole."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pysbd

# Longer than any paragraph of the statements measured (1,274 characters), short enough
# that pysbd's quadratic passes stay cheap.
WINDOW = 2_000


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _segmented(text: str, offset: int) -> list[Span]:
    """pysbd's sentences of `text`, as spans of the paragraph `text` starts at `offset` of,
    without surrounding whitespace."""
    spans = []
    for piece in _segmenter().segment(text):
        start, end = piece.start, piece.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append(Span(offset + start, offset + end))
    return spans


def _forced_end(paragraph: str, start: int) -> int:
    """Where a sentence longer than a window is cut: at the window's last space."""
    end = start + WINDOW
    space = paragraph.rfind(" ", start + WINDOW // 2, end)
    return space if space > start else end


def sentence_spans(paragraph: str) -> Iterator[Span]:
    """Each sentence's start and end in `paragraph`, without surrounding whitespace, read as
    they are asked for. Work grows linearly with the paragraph: every window but the last
    gives up its last sentence to the next, and two windows in a row advance by at least
    one window's length."""
    start = 0
    while len(paragraph) - start > WINDOW:
        found = _segmented(paragraph[start : start + WINDOW], start)
        if len(found) > 1:
            yield from found[:-1]
            start = found[-1].start
            continue
        # One sentence fills the window: it is cut.
        end = _forced_end(paragraph, start)
        if found and found[0].start < end:
            yield Span(found[0].start, end)
        start = end
    yield from _segmented(paragraph[start:], start)
