"""Sentences of a paragraph, as spans, by pysbd's rules (chosen by measurement on the
register's statements: it keeps "U.S.", "Korea-U.S." and numbered lists whole, where the
alternatives tried split them)."""

from dataclasses import dataclass
from functools import cache

import pysbd


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_spans(paragraph: str) -> list[Span]:
    """Each sentence's start and end in `paragraph`, without surrounding whitespace."""
    spans = []
    for piece in _segmenter().segment(paragraph):
        start, end = piece.start, piece.end
        while start < end and paragraph[start].isspace():
            start += 1
        while end > start and paragraph[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append(Span(start, end))
    return spans
