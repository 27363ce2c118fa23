import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated

import typer

from app.cli.errors import CliError
from app.cli.progress import terminal_progress


def write_atomically(file: Path, write: Callable[[IO[str]], None]) -> None:
    """Write `file` through a temporary file beside it, renamed into place only once complete:
    a failure leaves the previous file as it was. The file is readable by its owner only."""
    directory = file.resolve().parent
    descriptor, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".partial", dir=directory)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as target:
            write(target)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, file)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory_descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_descriptor)
    finally:
        os.close(directory_descriptor)


def export(file: Annotated[Path, typer.Argument(help="Where to write the JSON document")]) -> None:
    """Export the whole register, history included, as one versioned JSON document (mode 0600:
    it holds token digests). An existing file is replaced only by a complete export."""
    from app.backup.service import export as run_export
    from app.core.config import get_settings
    from app.core.db import Database

    database = Database(get_settings())
    counts: dict[str, int] = {}
    try:
        with terminal_progress() as progress:
            write_atomically(
                file,
                lambda target: counts.update(
                    run_export(database=database, target=target, progress=progress)
                ),
            )
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
        document = load(file)
        with terminal_progress() as progress:
            counts = import_document(database=database, document=document, progress=progress)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    finally:
        database.dispose()
    typer.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
