"""Start the app, or a floor app, under uvicorn in a process of its own, on 127.0.0.1."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def serving(
    target: str, *, port: int, workers: int, env: dict[str, str], ready_path: str
) -> Iterator[str]:
    """Serve the ASGI app factory `target` ("module:factory"); yield its base URL."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=os.environ | env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base + ready_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                # Every worker answers once each has taken a few requests.
                for _ in range(20):
                    httpx.get(url, timeout=5)
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no answer from {url} within 60 s")
