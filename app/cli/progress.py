import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app.core.progress import SILENT, Progress

if TYPE_CHECKING:
    from rich.progress import TaskID


class _Bar:
    """A rich progress bar on standard error, so that standard output stays clean."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self.display = RichProgress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: TaskID | None = None

    def start(self, *, total: int, description: str) -> None:
        self.task = self.display.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.display.advance(self.task, steps)


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """A bar when a person is watching a terminal; nothing in a pipe, a log or CI."""
    if not sys.stderr.isatty():
        yield SILENT
        return
    bar = _Bar()
    with bar.display:
        yield bar
