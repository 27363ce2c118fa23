"""Real worker processes for tests: `commitments worker` or `commitments jobs run`, their output
read as it comes, stopped or killed at will."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.cli.test_cli import COMMAND


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Process:
    """A `commitments` command running in the background, its output gathered line by line."""

    def __init__(self, *args: str, database_url: str, **env: str) -> None:
        environment = os.environ | {"COMMITMENTS_DATABASE_URL": database_url} | env
        self.process = subprocess.Popen(
            [COMMAND, *args],
            env=environment | {"PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        until(lambda: text in self.output or self.process.poll() is not None, timeout, text)
        assert text in self.output, self.output

    def finish(self, timeout: float = 120) -> str:
        self.process.wait(timeout)
        self._reader.join(5)
        assert self.process.returncode == 0, self.output
        return self.output

    def stop(self) -> str:
        """SIGTERM: a worker ends cleanly."""
        self.process.send_signal(signal.SIGTERM)
        return self.finish(30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def spawn(database_url: str) -> Iterator[Callable[..., Process]]:
    """Start `commitments` commands against the test's database; any left running at the
    end are killed."""
    started: list[Process] = []

    def start(*args: str, **env: str) -> Process:
        process = Process(*args, database_url=database_url, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process.poll() is None:
            process.kill()
