"""Query parameters an operation does not declare are refused, not ignored: `?stauts=blocked`
would otherwise answer the whole register as if it had been filtered. So is a parameter that
takes one value given several times: the framework would keep the last one, while an answer
kept in memory is found by the parameters in any order (app.core.cache), so
`sort=ref&sort=-due_date` would be answered with what `sort=-due_date&sort=ref` was."""

import types
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.core.errors import UnprocessableError


@dataclass(frozen=True)
class Declared:
    """The query parameters an operation reads, and those of them that take several values."""

    names: frozenset[str]
    lists: frozenset[str]


def _takes_several(annotation: Any) -> bool:
    """Whether a parameter of this type reads every value given (list[str], set[Kind] | None)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_several(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_takes_several(arg) for arg in get_args(annotation))
    return isinstance(origin, type) and issubclass(origin, (Sequence, Set)) and origin is not str


def _query_names(dependant: Dependant) -> dict[str, bool]:
    """The query parameters a dependant and its dependencies read, a parameter model's fields
    counted one by one (as the OpenAPI schema lists them), each with whether it takes several
    values."""
    names: dict[str, bool] = {}
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            names |= {
                info.alias or name: _takes_several(info.annotation)
                for name, info in model.model_fields.items()
            }
        else:
            names[field.alias] = _takes_several(model)
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def _declared(app: FastAPI, route: APIRoute) -> Declared:
    """The query parameters the route declares, read off its dependencies once per route.

    Not from the OpenAPI schema: building that takes half a second and fails when several
    threads build it at once."""
    known: dict[str, Declared] | None = getattr(app.state, "declared_query_parameters", None)
    if known is None:
        known = app.state.declared_query_parameters = {}
    key = route.unique_id
    if key not in known:
        names = _query_names(route.dependant)
        known[key] = Declared(
            frozenset(names), frozenset(name for name, several in names.items() if several)
        )
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
    declared = _declared(request.app, route)
    unknown = sorted(set(request.query_params) - declared.names)
    if unknown:
        raise UnprocessableError(
            f"Unknown query parameter(s): {', '.join(unknown)}; "
            f"this operation takes {', '.join(sorted(declared.names)) or 'none'}.",
            errors=[
                {
                    "loc": ["query", name],
                    "msg": "Unknown query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ],
        )
    given = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(
        name for name, times in given.items() if times > 1 and name not in declared.lists
    )
    if repeated:
        raise UnprocessableError(
            f"Query parameter(s) given more than once: {', '.join(repeated)}; "
            "each takes one value.",
            errors=[
                {"loc": ["query", name], "msg": "Given more than once", "type": "repeated"}
                for name in repeated
            ],
        )
