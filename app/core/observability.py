"""Every request gets an id (the caller's X-Request-ID when it is a sensible one, else a new
one), returned in the response and carried by every log line written while serving it; when
it is answered, one log line and the request metrics record it."""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import REQUEST_ID
from app.core.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
# Ids from callers end up in log lines: short, and nothing that could forge a line.
_ACCEPTABLE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Probes and scrapes arrive every few seconds: logged only at DEBUG.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

log = logging.getLogger("app.requests")


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _ACCEPTABLE_ID.match(value):
            return bytes(value).decode("ascii")
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The route's template, not the path: one series per endpoint, whatever the ids in it."""
    template = getattr(scope.get("route"), "path", None)
    return template if isinstance(template, str) else "unmatched"


def _printable(path: str) -> str:
    # A decoded path may hold control characters; none may start a forged log line.
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", path)


class ObserveRequests:
    def __init__(self, app: ASGIApp, *, metrics: Metrics | None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        context = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode("ascii")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started)
            REQUEST_ID.reset(context)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        method, path = scope["method"], _printable(scope["path"])
        if self.metrics is not None:
            self.metrics.observe(
                method=method, route=route_template(scope), status=status, seconds=seconds
            )
        log.log(
            logging.DEBUG if path.startswith(QUIET_PATHS) else logging.INFO,
            "%s %s %s %.1fms",
            method,
            path,
            status,
            seconds * 1000,
            extra={
                "request_id": request_id,
                "method": method,
                # The path only: a query string can carry a calendar token.
                "path": path,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "user": scope.get("state", {}).get("user"),
            },
        )
