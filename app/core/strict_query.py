"""Query parameters an operation does not declare are refused, not ignored: `?stauts=blocked`
would otherwise answer the whole register as if it had been filtered."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from app.core.errors import UnprocessableError


def _declared_query_parameters(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(path template, METHOD) -> the query parameters its OpenAPI operation declares."""
    declared: dict[tuple[str, str], frozenset[str]] = {}
    paths: dict[str, dict[str, Any]] = app.openapi().get("paths", {})
    for path, operations in paths.items():
        for method, operation in operations.items():
            names = {
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query"
            }
            declared[(path, method.upper())] = frozenset(names)
    return declared


def refuse_unknown_query_parameters(request: Request) -> None:
    """An application-wide dependency: 422 naming every query parameter the operation lacks."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    app: FastAPI = request.app
    declared = getattr(app.state, "declared_query_parameters", None)
    if declared is None:
        declared = app.state.declared_query_parameters = _declared_query_parameters(app)
    method = "GET" if request.method == "HEAD" else request.method
    known = declared.get((route.path_format, method), frozenset())
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise UnprocessableError(
            f"Unknown query parameter(s): {', '.join(unknown)}; "
            f"this operation takes {', '.join(sorted(known)) or 'none'}.",
            errors=[
                {
                    "loc": ["query", name],
                    "msg": "Unknown query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
