"""Redirects from a path with or without its trailing slash to the one the app serves, built
on the configured public URL: the framework's own took the request's Host header, so a
forged Host made the app send callers elsewhere."""

from starlette._utils import get_route_path
from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send


def redirect_slashes_to_public_url(router: Router, public_url: str) -> None:
    """Answer a path the router lacks, but has with the trailing slash added or removed, with
    a redirect to the public URL of that path (the query kept); anything else is not found."""
    router.redirect_slashes = False

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = get_route_path(scope)
        if scope["type"] == "http" and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            wanted = {**scope, "path": other, "root_path": ""}
            if any(route.matches(wanted)[0] is not Match.NONE for route in router.routes):
                query = scope.get("query_string", b"").decode("latin-1")
                url = public_url + other + (f"?{query}" if query else "")
                await RedirectResponse(url)(scope, receive, send)
                return
        await router.not_found(scope, receive, send)

    router.default = default
