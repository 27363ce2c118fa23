"""Outbound HTTP under the egress policy: its time limits, and how each failure is told."""

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import trustme

from app.core import egress
from app.core.egress import EgressPolicy, system_resolve
from app.core.egress_http import failure_class, guarded_client

LOOPBACK = EgressPolicy(allowed=(ipaddress.ip_network("127.0.0.1/32"),))


def loopback(host: str, port: int, timeout: float | None) -> list[str]:
    return ["127.0.0.1"]


def outcome(url: str, timeout: float = 5.0) -> str:
    with guarded_client(policy=LOOPBACK, timeout=timeout, resolve=loopback) as client:
        try:
            answer = client.post(url, content=b"{}")
        except Exception as error:
            return failure_class(error)
    return f"HTTP {answer.status_code}"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def hold() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=hold, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()
    for connection in held:
        connection.close()


@pytest.fixture
def http_port() -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(503)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def test_a_receiver_that_never_answers_is_a_timeout_within_the_clients_limit(
    silent_port: int,
) -> None:
    started = time.monotonic()
    assert outcome(f"http://hooks.corp.example.org:{silent_port}/", timeout=0.5) == "timeout"
    assert time.monotonic() - started < 3


def test_tls_to_a_server_that_speaks_none_is_a_tls_error_and_http_answers_are_kept(
    http_port: int,
) -> None:
    assert outcome(f"https://hooks.corp.example.org:{http_port}/") == "TLS error"
    assert outcome(f"http://hooks.corp.example.org:{http_port}/") == "HTTP 503"


def test_a_name_that_does_not_resolve_is_a_failed_connection() -> None:
    def nowhere(host: str, port: int, timeout: float | None) -> list[str]:
        raise OSError("no such name")

    with (
        guarded_client(policy=LOOPBACK, timeout=1.0, resolve=nowhere) as client,
        pytest.raises(httpx.ConnectError) as raised,
    ):
        client.post("https://hooks.example.org/", content=b"{}")
    assert failure_class(raised.value) == "connection failed"


def test_a_name_the_resolver_cannot_encode_is_an_os_error_like_any_unknown_name() -> None:
    with pytest.raises(OSError, match="not a name"):
        system_resolve(f"{'a' * 64}.example.org", 443, 2.0)


def test_resolving_is_bounded_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def hanging(*_: Any, **__: Any) -> list[Any]:
        time.sleep(3)
        return []

    monkeypatch.setattr(egress.socket, "getaddrinfo", hanging)
    started = time.monotonic()
    with pytest.raises(OSError, match="resolving took more than"):
        system_resolve("hooks.example.org", 443, 0.2)
    assert time.monotonic() - started < 1.5


@pytest.fixture
def tls_receiver() -> Iterator[tuple[trustme.CA, int, list[str]]]:
    """An https server on loopback whose certificate names hooks.corp.example.org; it notes
    the name each client asked for (SNI)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.corp.example.org").configure_cert(context)
    asked: list[str] = []
    context.sni_callback = lambda _socket, name, _context: asked.append(name or "") or None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ca, int(server.server_address[1]), asked
    server.shutdown()


def test_tls_is_verified_against_the_urls_name_while_connecting_to_the_checked_address(
    tls_receiver: tuple[trustme.CA, int, list[str]],
) -> None:
    ca, port, asked = tls_receiver
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with guarded_client(
        policy=LOOPBACK, timeout=5.0, resolve=loopback, ssl_context=trusted
    ) as client:
        answer = client.post(f"https://hooks.corp.example.org:{port}/", content=b"{}")
        assert answer.status_code == 204
        assert asked == ["hooks.corp.example.org"]
        with pytest.raises(httpx.ConnectError) as wrong_name:
            client.post(f"https://other.corp.example.org:{port}/", content=b"{}")
    assert failure_class(wrong_name.value) == "TLS error"
