from pathlib import Path
from typing import Annotated

import typer

from app.cli.errors import CliError


def export(file: Annotated[Path, typer.Argument(help="Where to write the JSON document")]) -> None:
    """Export the whole register, history included, as one versioned JSON document."""
    from app.backup.service import export as run_export
    from app.core.config import get_settings
    from app.core.db import Database

    database = Database(get_settings())
    try:
        with file.open("w", encoding="utf-8") as target:
            counts = run_export(database=database, target=target)
    except OSError as exc:
        raise CliError(f"cannot write {file}: {exc.strerror}") from exc
    finally:
        database.dispose()
    typer.echo(f"Exported {sum(counts.values())} rows from {len(counts)} tables to {file}.")


def import_(file: Annotated[Path, typer.Argument(help="A document written by export")]) -> None:
    """Import an export into an empty, migrated database."""
    from app.backup.service import BackupError, import_document, load
    from app.core.config import get_settings
    from app.core.db import Database

    database = Database(get_settings())
    try:
        counts = import_document(database=database, document=load(file))
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    finally:
        database.dispose()
    typer.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
