"""Caller text in a Markdown table cell: it shows as the text it is, and can neither open HTML
nor end the row or add a column."""

from app.core.validation import one_line

# Brackets too: a title cannot make a link or an image (`[x](javascript:...)`).
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "[": "\\[",
        "]": "\\]",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


def markdown_cell(text: str) -> str:
    """`text` on one line, its table separators and link brackets escaped and its HTML written
    as entities."""
    return one_line(text).translate(_ESCAPES)
