"""``commitments ingest``: a statement from a file into the register, with its candidates."""

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError
from app.cli.progress import terminal_progress

if TYPE_CHECKING:
    from app.ingest import TakenIn

FORMATS_BY_SUFFIX = {".html": "text/html", ".htm": "text/html", ".md": "text/markdown"}
QUOTE_CHARS = 90


class Output(StrEnum):
    text = "text"
    json = "json"


def _table(taken: "TakenIn") -> str:
    document = taken.document
    lines = [
        f"{document.slug}: {'taken in' if taken.created else 'already in the register'}, "
        f"{len(taken.candidates)} candidate(s), issued by {', '.join(document.parties)}",
    ]
    for candidate in taken.candidates:
        restates = f" restates {candidate.restates.ref}" if candidate.restates else ""
        quote = candidate.quote
        if len(quote) > QUOTE_CHARS:
            quote = quote[: QUOTE_CHARS - 1] + "…"
        lines.append(
            f"{candidate.number:>4}  {candidate.state:<8} {candidate.kind:<17} "
            f"{','.join(candidate.obligors) or '-':<8} {candidate.confidence:.2f}{restates}  "
            f"¶{candidate.locator.paragraph} {quote}"
        )
    return "\n".join(lines)


def ingest(
    file: Annotated[Path, typer.Argument(help="The statement: .txt, .md or .html")],
    title: Annotated[str, typer.Option(help="The statement's title.")],
    issued_on: Annotated[str, typer.Option(help="Its date, YYYY-MM-DD.")],
    parties: Annotated[str, typer.Option(help="Issuing parties, comma-separated: US,ROK.")],
    publisher: Annotated[str, typer.Option(help="Who published it.")] = "",
    kind: Annotated[str, typer.Option(help="joint_statement, fact_sheet, readout, ...")] = (
        "joint_statement"
    ),
    meeting: Annotated[str | None, typer.Option(help="The meeting it belongs to: SCM-57.")] = None,
    url: Annotated[str | None, typer.Option(help="Where it was published.")] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Readable by every party, not just its issuers.")
    ] = False,
    text_format: Annotated[
        str | None,
        typer.Option(help="text/plain, text/markdown or text/html; default: by file suffix."),
    ] = None,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Take a statement in and propose its candidate commitments (as the API's POST
    /api/v1/documents does), for review over the API."""
    from pydantic import ValidationError

    from app.cli.database import open_database
    from app.core.config import get_settings
    from app.core.errors import ProblemError
    from app.ingest import DocumentUpload, take_in

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"Cannot read {file} as UTF-8 text: {exc}") from exc
    try:
        upload = DocumentUpload.model_validate(
            {
                "title": title,
                "publisher": publisher or title,
                "kind": kind,
                "issued_on": issued_on,
                "parties": [p.strip().upper() for p in parties.split(",") if p.strip()],
                "meeting": meeting,
                "url": url,
                "access": "public" if public else "issuers",
                "format": text_format or FORMATS_BY_SUFFIX.get(file.suffix.lower(), "text/plain"),
                "text": text,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CliError(f"Invalid statement: {where}: {first['msg']}") from exc
    database = open_database(get_settings())
    started = time.perf_counter()
    try:
        with database.transaction() as session, terminal_progress() as progress:
            taken = take_in(
                session=session, upload=upload, principal=None, actor_name="cli", progress=progress
            )
    except ProblemError as exc:
        raise CliError(exc.detail) from exc
    finally:
        database.dispose()
    seconds = time.perf_counter() - started
    typer.echo(f"Read {len(text.encode()) // 1024} KB in {seconds:.1f} s.", err=True)
    typer.echo(taken.model_dump_json(indent=2) if output is Output.json else _table(taken))
