"""The HTTP client for URLs that callers choose: httpx over a network backend that connects
only through an egress Guard (app.core.egress). The Host header, TLS SNI and certificate
verification keep the URL's name; only the TCP connection goes to the checked address."""

import ssl
import typing

import httpcore
import httpx

from app.core.egress import EgressPolicy, EgressRefusedError, Guard, Resolver, system_resolve


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._guard.addresses(host, port, timeout)
        except OSError as error:
            raise httpcore.ConnectError("the name does not resolve") from error
        failure: Exception = httpcore.ConnectError("no address to connect to")
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting through the guard. httpx takes no network backend, so
    its connection pool is replaced by one that has it (same settings otherwise)."""

    def __init__(self, guard: Guard, ssl_context: ssl.SSLContext) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )


def guarded_client(
    *,
    policy: EgressPolicy,
    timeout: float,
    resolve: Resolver = system_resolve,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """A client that posts only where the policy allows: https to public or allowed
    addresses, plain http to allowed ones; no proxy from the environment, no redirect.
    Certificates are verified against the bundled CAs, or `ssl_context`'s."""
    tls = ssl_context or httpx.create_ssl_context(trust_env=False)

    def guard(plain_http: bool) -> Guard:
        return Guard(policy=policy, resolve=resolve, plain_http=plain_http)

    return httpx.Client(
        transport=GuardedTransport(guard(True), tls),
        mounts={"https://": GuardedTransport(guard(False), tls)},
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )


def failure_class(error: Exception) -> str:
    """What a failed request is said to be: a class, never the socket's own words (those
    tell an open port from a closed one)."""
    if isinstance(error, EgressRefusedError):
        return "refused by policy"
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        cause = cause.__cause__ or cause.__context__
    return "connection failed"
