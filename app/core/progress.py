"""How long-running work (export, import, seeding) reports how far it has got, without knowing
who is watching: the command line draws a bar on a terminal, everything else stays silent."""

from typing import Protocol


class Progress(Protocol):
    def start(self, *, total: int, description: str) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class Silent:
    def start(self, *, total: int, description: str) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


SILENT = Silent()
