"""A TCP proxy on loopback in front of the test PostgreSQL server, to make it look hung, down
or cut mid-COMMIT to the service behind the proxy, the real server left alone."""

import selectors
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import Enum

from sqlalchemy.engine import make_url

# psycopg sends a COMMIT as one simple-protocol Query message.
COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class Mode(Enum):
    forward = "forward"
    hang = "hang"  # connections accepted, nothing forwarded either way
    cut_after_commit = "cut"  # a COMMIT reaches the server; its answer never reaches the client


class DatabaseProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = Mode.forward
        self.commits_cut = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def refuse(self) -> None:
        """Down: every connection closed, new ones refused."""
        with self._lock:
            self._closed = True
            # A listener closed while a thread waits in accept() would keep listening.
            for sock in [self._listener, *self._sockets]:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def close(self) -> None:
        if not self._closed:
            self.refuse()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode is Mode.hang:
                with self._lock:
                    self._sockets.append(client)  # accepted, never answered
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                ready = selector.select(timeout=0.1)
                if self.mode is Mode.hang:
                    time.sleep(0.05)
                    continue
                for key, _ in ready:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                    if (
                        source is client
                        and self.mode is Mode.cut_after_commit
                        and COMMIT_MESSAGE in data
                    ):
                        self.commits_cut += 1
                        server.recv(65536)  # the server committed; its answer is dropped
                        return
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            client.close()
            server.close()


@contextmanager
def database_proxy(database_url: str) -> Iterator[DatabaseProxy]:
    url = make_url(database_url)
    proxy = DatabaseProxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield proxy
    finally:
        proxy.close()
