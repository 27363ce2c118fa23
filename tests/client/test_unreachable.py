"""A server that is down, unknown, silent or hanging up is the client's own error after its
retries, carrying the URL and the cause, never a raw httpx exception."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from app.client import (
    AsyncCommitmentsClient,
    ClientError,
    CommitmentsClient,
    RetryPolicy,
    ServiceUnreachableError,
)
from tests.cli.test_cli import run
from tests.live_server import free_port

REF = "SCM56-RCF-13"
TOKEN = "ac_" + "x" * 43  # never checked: no server answers
RETRIES = RetryPolicy(retries=2, backoff=0.01)


@contextmanager
def listener(*, answer_nothing: bool) -> Iterator[tuple[str, list[int]]]:
    """A loopback server that counts connections and either holds each one open without a
    word (answer_nothing) or hangs up as soon as a request has arrived."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    accepted: list[int] = []
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            if answer_nothing:
                held.append(connection)
                continue
            connection.recv(65536)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        server.close()


def test_a_down_server_is_the_clients_error_after_its_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    delays: list[float] = []
    with CommitmentsClient(url, TOKEN, retry=RETRIES, sleep=delays.append) as client:
        with pytest.raises(ServiceUnreachableError) as down:
            client.get_commitment(REF)
        assert len(delays) == 2, "two retries, then the error"
        with pytest.raises(ServiceUnreachableError) as not_created:
            client.create_commitment({"title": "Never sent", "parties": ["US"]})
        assert len(delays) == 4, "a write that never connected is retried too"
    error = down.value
    assert isinstance(error, ClientError)
    assert not isinstance(error, httpx.HTTPError)
    assert error.url == f"{url}/api/v1/commitments/{REF}"
    assert (error.method, error.attempts) == ("GET", 3)
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert error.cause is error.__cause__
    assert url in str(error)
    assert not_created.value.method == "POST"


def test_an_unknown_host_is_the_clients_error() -> None:
    with (
        CommitmentsClient(
            "http://commitments.invalid", TOKEN, retry=RETRIES, sleep=lambda _: None
        ) as client,
        pytest.raises(ServiceUnreachableError) as unknown,
    ):
        client.me()
    assert unknown.value.url == "http://commitments.invalid/api/v1/me"
    assert isinstance(unknown.value.__cause__, httpx.ConnectError)


def test_a_silent_server_times_out_into_the_clients_error() -> None:
    with (
        listener(answer_nothing=True) as (url, accepted),
        CommitmentsClient(url, TOKEN, timeout=0.3, retry=RETRIES, sleep=lambda _: None) as client,
        pytest.raises(ServiceUnreachableError) as silent,
    ):
        list(client.iter_commitments(party="US"))
    assert len(accepted) == 3, "a read is sent again after a timeout"
    assert isinstance(silent.value.__cause__, httpx.ReadTimeout)
    assert silent.value.url.startswith(f"{url}/api/v1/commitments?")
    assert "party=US" in silent.value.url


def test_a_connection_dropped_mid_request_is_the_clients_error() -> None:
    with (
        listener(answer_nothing=False) as (url, accepted),
        CommitmentsClient(url, TOKEN, retry=RETRIES, sleep=lambda _: None) as client,
        pytest.raises(ServiceUnreachableError) as dropped,
    ):
        client.overdue()
    assert len(accepted) == 3
    assert isinstance(dropped.value.__cause__, httpx.RemoteProtocolError)


def test_the_async_client_wraps_the_same_way() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async def scenario() -> ServiceUnreachableError:
        async with AsyncCommitmentsClient(url, TOKEN, retry=RETRIES, sleep=sleep) as client:
            with pytest.raises(ServiceUnreachableError) as down:
                [c async for c in client.iter_commitments()]
            return down.value

    error = asyncio.run(scenario())
    assert (error.attempts, len(delays)) == (3, 2)
    assert error.url == f"{url}/api/v1/commitments?limit=200"
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_the_overdue_command_says_it_cannot_reach_the_api() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("overdue", "--api-url", url, "--token", TOKEN, database_url="sqlite:///unused.db")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"cannot reach the API at {url}" in result.stderr
    assert "Traceback" not in result.stderr
