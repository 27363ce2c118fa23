import fcntl
import os
import re
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from app.cli.errors import CliError
from app.cli.progress import terminal_progress


def _claim_partial(directory: Path, name: str) -> tuple[int, Path]:
    """A new partial file for `name`, created readable by its owner only and locked for as long
    as this process holds it open: the lock tells a later export that it is still being
    written. The kernel drops the lock when the process dies, however it dies."""
    while True:
        descriptor, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=directory)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if os.fstat(descriptor).st_nlink:
            return descriptor, Path(path)
        # Taken for an abandoned one and removed between its creation and its lock.
        os.close(descriptor)


def _remove_abandoned(directory: Path, name: str) -> None:
    """Remove the partial files that no process is writing any more, of `name` and of every
    other file of its kind in its directory (backups are often named by their date): those of
    an export killed outright (SIGKILL, a power cut), which hold token digests."""
    kind = re.escape(Path(name).suffix)
    pattern = re.compile(rf"\..+{kind}\.[A-Za-z0-9_]{{8}}\.partial")
    for path in directory.iterdir():
        if not pattern.fullmatch(path.name):
            continue
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # removed by another export just now
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink(missing_ok=True)
        except BlockingIOError:  # still being written
            pass
        finally:
            os.close(descriptor)


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP end the command as Ctrl-C does, through its clean-up (the partial
    file removed), rather than at once; exit status 128 + the signal's number."""

    def stop(number: int, _frame: object) -> None:
        raise SystemExit(128 + number)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def write_atomically(file: Path, write: Callable[[IO[str]], None]) -> None:
    """Write `file` through a temporary file beside it, renamed into place only once complete:
    a failure leaves the previous file as it was. The file is readable by its owner only.
    Interrupted, it leaves no partial file; killed outright, the next write removes it."""
    directory = file.resolve().parent
    _remove_abandoned(directory, file.name)
    with _interruptible():
        descriptor, temporary = _claim_partial(directory, file.name)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as target:
                write(target)
                target.flush()
                os.fsync(target.fileno())
                # Still locked while renamed: never taken for an abandoned one.
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
    from app.backup import export as run_export
    from app.cli.database import open_database
    from app.core.config import get_settings

    database = open_database(get_settings())
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
    from app.backup import BackupError, import_document, load
    from app.cli.database import open_database
    from app.core.config import get_settings

    database = open_database(get_settings())
    try:
        document = load(file)
        with terminal_progress() as progress:
            counts = import_document(database=database, document=document, progress=progress)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    finally:
        database.dispose()
    typer.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
