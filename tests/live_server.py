"""A real server on loopback, started through the `commitments serve` entry point."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

COMMAND = str(Path(sys.executable).parent / "commitments")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess(subprocess.Popen[str]):
    """The server, its output going to a file: a pipe nobody reads while the server runs
    fills up with its request log and then blocks the server."""

    def __init__(self, command: list[str], log: IO[str], **kwargs: Any) -> None:
        super().__init__(command, stdout=log, stderr=subprocess.STDOUT, text=True, **kwargs)
        self.log = log

    def output(self) -> str:
        """Everything the server has written so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        """Stop the server gracefully; everything it wrote."""
        self.terminate()
        self.wait(timeout=15)
        return self.output()


@contextmanager
def live_server(
    database_url: str, *, workers: int = 1, options: Sequence[str] = (), **env: str
) -> Iterator[tuple[str, ServerProcess]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)]
    # The log file lives as long as the process object: tests read it after the server stops.
    process = ServerProcess(
        [*command, "--workers", str(workers), *options],
        tempfile.TemporaryFile("w+", encoding="utf-8"),  # noqa: SIM115
        env=os.environ
        | {"COMMITMENTS_DATABASE_URL": database_url, "COMMITMENTS_PUBLIC_URL": url}
        | env,
    )
    yield from _serving(url, process)


def _serving(url: str, process: ServerProcess) -> Iterator[tuple[str, ServerProcess]]:
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {process.output()}")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
