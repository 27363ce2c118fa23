"""Tables as JSON, CSV (RFC 4180) or Markdown, chosen by `?format=` or the Accept header."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from fastapi.responses import Response, StreamingResponse

from app.core.errors import NotAcceptableError
from app.core.markdown import markdown_cell


class Format(StrEnum):
    json = "json"
    csv = "csv"
    markdown = "markdown"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv",
    Format.markdown: "text/markdown",
}
_BY_MEDIA_TYPE = {
    "application/json": Format.json,
    "application/*": Format.json,
    "*/*": Format.json,
    "text/csv": Format.csv,
    "text/markdown": Format.markdown,
}


def negotiate(accept: str | None, explicit: Format | None) -> Format:
    """`?format=` wins; otherwise the Accept header's most preferred type we can produce."""
    if explicit is not None:
        return explicit
    if not accept:
        return Format.json
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media_type.lower()))
    for negative_quality, _, media_type in sorted(ranked):
        if negative_quality < 0 and media_type in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[media_type]
    raise NotAcceptableError(
        "This resource is available as application/json, text/csv or text/markdown."
    )


def varies_by_accept(response: Response) -> Response:
    """Mark a response chosen by the Accept header, so that caches keep one per type."""
    response.headers["Vary"] = "Accept"
    return response


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell a spreadsheet shows as text: numbers stay numbers, and text that
    would start a formula is prefixed with an apostrophe."""
    text = _text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool) -> Iterator[str]:
    """RFC 4180: CRLF line ends, quotes only where needed, a header row; a BOM only if asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(value) for value in row])
        yield buffer.getvalue()


def _cell(value: Any) -> str:
    return markdown_cell(_text(value))


def markdown_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    yield "| " + " | ".join(headers) + " |\n"
    yield "| " + " | ".join("---" for _ in headers) + " |\n"
    for row in rows:
        yield "| " + " | ".join(_cell(value) for value in row) + " |\n"


def table_body(
    *,
    output: Format,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "",
    bom: bool = False,
) -> Iterator[bytes]:
    """A CSV or Markdown rendering of a table, line by line as its rows come."""
    if output is Format.csv:
        lines = csv_lines(headers, rows, bom=bom)
    else:
        lines = markdown_lines(headers, rows)
        if title:
            yield f"## {title}\n\n".encode()
    for line in lines:
        yield line.encode("utf-8")


def table_headers(output: Format, filename: str) -> tuple[str, dict[str, str]]:
    """The media type and headers of a table in `output` (CSV comes as a named attachment)."""
    if output is Format.csv:
        disposition = {"Content-Disposition": f'attachment; filename="{filename}.csv"'}
        return "text/csv; charset=utf-8; header=present", disposition
    return "text/markdown; charset=utf-8", {}


def table_response(
    *,
    output: Format,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    title: str = "",
    bom: bool = False,
) -> StreamingResponse:
    """A CSV or Markdown rendering of a table, streamed as its rows come."""
    media_type, response_headers = table_headers(output, filename)
    return StreamingResponse(
        table_body(output=output, headers=headers, rows=rows, title=title, bom=bom),
        media_type=media_type,
        headers=response_headers,
    )
