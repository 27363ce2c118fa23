"""Security headers on every response."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API serves data only. The board's pages load their scripts and styles from the app
# itself, and post their forms only to it. Swagger UI starts with an inline script.
API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
BOARD_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/static/swagger")
BOARD_PATH = "/board"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = None if path.startswith(DOCS_PATHS) else API_POLICY
        if path == BOARD_PATH or path.startswith(f"{BOARD_PATH}/"):
            policy = BOARD_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                if policy is not None:
                    headers.append((b"content-security-policy", policy))
                if b"cache-control" not in present:
                    # Answers depend on who asks: shared caches must not keep them.
                    headers.append((b"cache-control", b"private, no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
