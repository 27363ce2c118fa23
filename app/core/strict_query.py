"""Query parameters an operation does not declare are refused, not ignored: `?stauts=blocked`
would otherwise answer the whole register as if it had been filtered."""

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.errors import UnprocessableError


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a dependant and its dependencies read, a parameter model's fields
    counted one by one (as the OpenAPI schema lists them)."""
    names: set[str] = set()
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            names |= {info.alias or name for name, info in model.model_fields.items()}
        else:
            names.add(field.alias)
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def _declared(app: FastAPI, route: APIRoute) -> frozenset[str]:
    """The query parameters the route declares, read off its dependencies once per route.

    Not from the OpenAPI schema: building that takes half a second and fails when several
    threads build it at once."""
    known: dict[str, frozenset[str]] | None = getattr(app.state, "declared_query_parameters", None)
    if known is None:
        known = app.state.declared_query_parameters = {}
    key = route.unique_id
    if key not in known:
        known[key] = frozenset(_query_names(route.dependant))
    return known[key]


async def refuse_unknown_query_parameters(request: Request) -> None:
    """An application-wide dependency: 422 naming every query parameter the operation lacks.

    Async, though it awaits nothing: it does no I/O, and a sync dependency would cost every
    request a hop to the thread pool and back."""
    route = request.scope.get("route")
    if (
        not isinstance(route, APIRoute)
        or getattr(route, "checks_own_query", False)
        or not request.query_params
    ):
        return
    known = _declared(request.app, route)
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
