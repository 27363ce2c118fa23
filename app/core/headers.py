"""Security headers on every response."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API serves data only; Swagger UI and ReDoc load their scripts and styles from a CDN.
API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"].startswith(DOCS_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                if not is_docs:
                    headers.append((b"content-security-policy", API_POLICY))
                if b"cache-control" not in present:
                    # Answers depend on who asks: shared caches must not keep them.
                    headers.append((b"cache-control", b"private, no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
