from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

from app.core.errors import PROBLEM_MEDIA_TYPE

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown, revoked or expired token",
    403: "The role is not allowed to do this",
    404: "Not found (or not releasable to the caller)",
    406: "None of the Accept header's types can be produced",
    409: "Conflict with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    415: "The body's media type or character set is not one this operation reads",
    422: "Invalid input",
    428: "If-Match header required",
    429: "Too many failed authentication attempts from this address",
    503: "Not ready: the database is unreachable or not migrated",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json errors an operation can answer."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


# An operation that may answer 428 only in some cases says so with this extension, and keeps
# If-Match optional in its schema.
CONDITIONAL_IF_MATCH = "x-if-match-when"


def operation_id(route: APIRoute) -> str:
    """The endpoint's own name (list_commitments), for generated clients."""
    return route.name


# Models of request bodies an endpoint reads itself (a body in one of several media types):
# the framework does not see them, so the schema gets them here.
_BODY_MODELS: list[type[BaseModel]] = []


def body_in_media_types(model: type[BaseModel], text_types: list[str]) -> dict[str, Any]:
    """The `openapi_extra` of an endpoint whose body is the model as JSON, or text in one of
    `text_types` (its fields then come as query parameters)."""
    _BODY_MODELS.append(model)
    content: dict[str, Any] = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    }
    content |= {media_type: {"schema": {"type": "string"}} for media_type in text_types}
    return {"requestBody": {"required": True, "content": content}}


def _add_body_models(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in _BODY_MODELS:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema


def state_preconditions_in_schema(app: FastAPI) -> None:
    """Have the app's schema mark If-Match required where it is (see below), and describe the
    bodies endpoints read themselves."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _mark_required_preconditions(schema)
            _add_body_models(schema)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _mark_required_preconditions(schema: dict[str, Any]) -> None:
    """State If-Match as required wherever a missing one is always refused with 428.

    The header stays optional to the framework, so that its absence answers 428 (RFC 6585),
    not a 422 validation error."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "428" not in operation.get("responses", {}) or CONDITIONAL_IF_MATCH in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["required"] = True
