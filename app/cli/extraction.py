"""``commitments extract-eval``: the extractor measured against the seeded register."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.errors import CliError


def extract_eval(
    statements: Annotated[
        Path, typer.Option(help="Folder with the source statements the seeds quote.")
    ] = Path("../shared/seeds"),
    seeds_dir: Annotated[
        Path | None, typer.Option(help="Folder with reference.toml and documents/.")
    ] = None,
    write: Annotated[
        Path | None, typer.Option(help="Also write the table, with how it was measured, here.")
    ] = None,
) -> None:
    """Run the extractor over the seeded statements and compare with the seeded register:
    recall, precision, and agreement on kind and obligors."""
    from app.core.config import get_settings
    from app.ingest import evaluate, report, table
    from app.seeding import read_seed_files

    files = read_seed_files(seeds_dir or get_settings().seeds_dir)
    missing = [
        f.document.source_file
        for f in files.documents
        if not (statements / f.document.source_file).is_file()
    ]
    if missing:
        raise CliError(f"{statements}: the source statements are not there ({', '.join(missing)})")
    scores = evaluate(files.documents, statements, files.reference)
    typer.echo(table(scores))
    if write is not None:
        write.write_text(report(scores), encoding="utf-8")
        typer.echo(f"Written to {write}.")
