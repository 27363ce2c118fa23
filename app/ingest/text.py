"""A statement's text as given (plain, Markdown or a saved web page) into paragraphs.

Each paragraph is the given text with its whitespace collapsed, so that every quote taken
from it can be found verbatim (whitespace-normalized) in what the user gave. Markup is
dropped, never rewritten: a curly quote or a footnote marker stays as it was.
"""

import re
from functools import cache
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from app.reference import TextFormat

if TYPE_CHECKING:
    from bs4 import Tag

WHITESPACE = re.compile(r"\s+")
# Marks that end a sentence or a quotation (closing quotes: U+201D, U+2019).
TERMINAL = (".", "!", "?", ":", ";", '"', "\u201d", "'", "\u2019", ")")
BULLET = re.compile(r"^([-*+•]|\d{1,3}[.)])\s")
# A line cut mid-sentence: it ends in a comma or a word no sentence ends with.
OPEN_ENDING = re.compile(
    r"(,|\b(?:the|a|an|and|or|of|to|by|in|on|for|with|at|from|that|its|their|will))$"
)
MARKDOWN_PREFIX = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
# What an inline element of Markdown shows of itself: the text of emphasis and links, the
# content of code spans, an image's description; raw HTML stays as it was written.
SHOWN = frozenset({"text", "code_inline", "html_inline", "image"})
# Elements of a saved web page that are not the statement.
NOT_THE_STATEMENT = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select",
)  # fmt: skip
BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dd", "dt")


def collapse(text: str) -> str:
    """Whitespace (non-breaking spaces included) collapsed to single spaces."""
    return WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def _wrapped(previous: str, line: str, *, same_block: bool) -> bool:
    """Whether `line` continues `previous`, hard-wrapped mid-sentence: a sentence left open
    and a line that reads on ("... by" / "2027, and ..."). Without a blank line between them,
    an open sentence ending in a small word or a comma reads on whatever comes next."""
    if previous.endswith(TERMINAL) or BULLET.match(line):
        return False
    if line[:1].islower() or line[:1].isdigit():
        return True
    return same_block and bool(OPEN_ENDING.search(previous))


def _join_lines(lines: list[str]) -> list[str]:
    """Lines into paragraphs. Each paragraph is kept as its lines until it is complete, and
    whether the next line continues it is read from its last line alone (joining a line onto
    a long paragraph, and reading it whole each time, would grow with its square)."""
    paragraphs: list[list[str]] = []
    same_block = False
    for line in (collapse(line) for line in lines):
        if not line:
            same_block = False
            continue
        if paragraphs and _wrapped(paragraphs[-1][-1], line, same_block=same_block):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        same_block = True
    return [" ".join(paragraph) for paragraph in paragraphs]


@cache
def _markdown() -> MarkdownIt:
    # CommonMark's inline rules (emphasis, links, code spans), parsed in time linear in the
    # line: a hand-written pattern for emphasis backtracks over the rest of the line for
    # every opening mark.
    return MarkdownIt("commonmark")


def _markdown_line(line: str) -> str:
    line = MARKDOWN_PREFIX.sub("", line)
    if not line.strip():
        return line
    shown = []
    for token in _markdown().parseInline(line)[0].children or []:
        if token.type in SHOWN:
            shown.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            shown.append(" ")
    return "".join(shown)


def _containing_blocks(root: "Tag") -> set[int]:
    """The blocks below `root` that have blocks inside (theirs are the paragraphs), found in
    one pass from each element to its nearest enclosing block (asking each block for the
    blocks below it read its whole subtree again, and nested blocks made that quadratic)."""
    from bs4 import Tag

    nearest: dict[int, Tag | None] = {id(root): None}
    containing = set()
    for element in root.descendants:
        if not isinstance(element, Tag) or element.parent is None:
            continue
        parent = element.parent
        enclosing = parent if parent is not root and parent.name in BLOCKS else nearest[id(parent)]
        nearest[id(element)] = enclosing
        if enclosing is not None and element.name in BLOCKS:
            containing.add(id(enclosing))
    return containing


def _html_paragraphs(html: str) -> list[str]:
    # Imported here: most statements are plain text, and the command starts faster without it.
    from bs4 import BeautifulSoup, Tag

    # libxml2's parser reads in time linear in the page: the standard library's scans the rest
    # of the page again for each tag, comment or declaration left open (and refuses some).
    soup = BeautifulSoup(html, "lxml")
    for element in soup.find_all(NOT_THE_STATEMENT):
        if not element.decomposed:  # not inside one removed already
            element.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with(" ")
    root = soup.find("main") or soup.find("article") or soup.body or soup
    if not isinstance(root, Tag):
        return []
    containing = _containing_blocks(root)
    paragraphs = []
    for block in root.find_all(BLOCKS):
        if id(block) in containing:
            continue
        text = collapse(block.get_text())
        if text:
            paragraphs.append(text)
    return paragraphs


def paragraphs_of(text: str, text_format: TextFormat) -> list[str]:
    """The statement's paragraphs, in order, each with its whitespace collapsed."""
    if text_format == TextFormat.html:
        return _html_paragraphs(text)
    lines = text.splitlines()
    if text_format == TextFormat.markdown:
        lines = [_markdown_line(line) for line in lines]
    return _join_lines(lines)
