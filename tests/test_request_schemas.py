"""Every value a caller sends, walked through every request schema: each string, number and
day in a body, a form, the query or the path is bounded, refuses NUL, and fits the column it
lands in. A field lands in the column of the same name in its own package's tables; the few
that land elsewhere are named here (and checked to be still needed)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_type_hints

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Column
from sqlalchemy.dialects import postgresql

from app.board import forms
from app.commitments.models import AssessmentIn, CommitmentUpdate
from app.core.metadata import SQLModel
from app.ingest.models import Candidate, CandidateEdits, CandidateReject, DocumentUpload
from app.ingest.router import UploadMetadata
from app.progress.models import NoteCreate, ProgressNote
from app.reference.documents import SourceDocument
from app.reference.meetings import MeetingUpdate
from app.users.models import ApiToken, UserCreate

SITE = "https://example.org/"


INT_RANGES = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}
# What a value that reaches SQL may hold when no column bounds it (SQLite's integers).
ANY_INTEGER = INT_RANGES["BIGINT"]


@dataclass(frozen=True)
class Input:
    """One value a caller controls: where it is read, how it is validated, its schema."""

    where: str
    model: type[BaseModel] | None
    name: str
    schema: dict[str, Any]
    defs: dict[str, Any]
    accepts: Callable[[Any], bool]


def _model_accepts(model: type[BaseModel], name: str) -> Callable[[Any], bool]:
    """The field's own validation (model-wide checks, which need the other fields, aside)."""

    def accepts(value: Any) -> bool:
        try:
            model.__pydantic_validator__.validate_assignment(model.model_construct(), name, value)
        except ValidationError as error:
            return not any(problem["loc"][:1] == (name,) for problem in error.errors())
        return True

    return accepts


def _param_accepts(adapter: TypeAdapter[Any]) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        try:
            adapter.validate_python(value)
        except ValidationError:
            return False
        return True

    return accepts


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models_in(argument)


def _model_inputs(model: type[BaseModel], where: str, seen: set[type]) -> Iterator[Input]:
    if model in seen:
        return
    seen.add(model)
    stated = model.model_json_schema()
    for name, field in model.model_fields.items():
        yield Input(
            f"{where} {model.__name__}.{name}",
            model,
            name,
            stated["properties"][field.alias or name],
            stated.get("$defs", {}),
            _model_accepts(model, name),
        )
        for nested in _models_in(field.annotation):
            yield from _model_inputs(nested, where, seen)


def request_inputs(app: FastAPI) -> Iterator[Input]:
    """Every path, query, form and body value of every operation, the board's included
    (headers are bounded by the server's own limit on them and read by no column)."""
    seen: set[type] = set()

    def walk(dependant: Dependant, where: str) -> Iterator[Input]:
        for kind in ("path_params", "query_params", "body_params"):
            for param in getattr(dependant, kind):
                info = param.field_info
                models = list(_models_in(info.annotation))
                if models:
                    for model in models:
                        yield from _model_inputs(model, where, seen)
                    continue
                adapter: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, info])
                stated = adapter.json_schema()
                yield Input(
                    f"{where} {kind[:-7]} {param.name}",
                    None,
                    param.name,
                    stated,
                    stated.get("$defs", {}),
                    _param_accepts(adapter),
                )
        for dependency in dependant.dependencies:
            # A dependency that reads the body itself (a statement's text) returns its model.
            for model in _models_in(get_type_hints(dependency.call).get("return")):
                yield from _model_inputs(model, where, seen)
            yield from walk(dependency, where)

    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield from walk(route.dependant, f"{sorted(route.methods)[0]} {route.path}")


def table_classes() -> list[type]:
    return [mapper.class_ for mapper in SQLModel._sa_registry.mappers]


def _package(model: type) -> str:
    return model.__module__.split(".")[1]


# Request models that write the tables of another package.
WRITES_TO: dict[type[BaseModel], tuple[type, ...]] = {DocumentUpload: (SourceDocument,)}
# Forms and query models read as they come and fed, field by field, to a request model.
FEEDS: dict[type[BaseModel], type[BaseModel]] = {
    forms.NoteForm: NoteCreate,
    forms.EditForm: CommitmentUpdate,
    forms.AssessmentForm: AssessmentIn,
    forms.AcceptForm: CandidateEdits,
    forms.MeetingForm: MeetingUpdate,
    UploadMetadata: DocumentUpload,
}
# Text whose control characters (NUL among them) the service refuses, saying where they are.
CONTROLS_REFUSED_BY_SERVICE = {(DocumentUpload, "text")}
# Fields stored under another name.
STORED_AS: dict[tuple[type[BaseModel], str], Column[Any]] = {
    (UserCreate, "token_label"): ApiToken.__table__.c.label,  # type: ignore[attr-defined]
    (NoteCreate, "status"): ProgressNote.__table__.c.status_to,  # type: ignore[attr-defined]
    (CandidateReject, "reason"): Candidate.__table__.c.decision_reason,  # type: ignore[attr-defined]
}


def _same_named(model: type[BaseModel], name: str) -> list[Column[Any]]:
    tables = WRITES_TO.get(model) or [
        table for table in table_classes() if _package(table) == _package(model)
    ]
    return [
        table.__table__.c[name]  # type: ignore[attr-defined]
        for table in tables
        if name in table.__table__.c  # type: ignore[attr-defined]
    ]


def columns_of(model: type[BaseModel] | None, name: str) -> list[Column[Any]]:
    """The columns a request field is stored in (every one it must fit), if any."""
    if model is None:
        return []
    if model in FEEDS:
        fed = FEEDS[model]
        return columns_of(fed, name) if name in fed.model_fields else []
    if (model, name) in STORED_AS:
        return [STORED_AS[model, name]]
    return _same_named(model, name)


def _leaves(schema: dict[str, Any], defs: dict[str, Any], wrap: Callable[[Any], Any]):
    """Each scalar schema within a field's, with how to wrap a value to reach it."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[1]]
        if "properties" not in target:  # a nested model is walked on its own
            yield from _leaves(target, defs, wrap)
        return
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if branches:
        for branch in branches:
            yield from _leaves(branch, defs, wrap)
    elif schema.get("type") == "array":
        yield schema, wrap
        yield from _leaves(schema["items"], defs, lambda value: wrap([value]))
    elif schema.get("type") not in ("null", "boolean", "object", None):
        yield schema, wrap


def _string_faults(item: Input, schema: dict[str, Any], wrap, columns) -> Iterator[str]:
    if "enum" in schema or "const" in schema:
        values = schema.get("enum") or [schema.get("const")]
        longest = max(len(str(value)) for value in values)
    elif schema.get("format") in ("date", "date-time"):
        longest = 0
        for year in ("0001", "9999"):
            far = f"{year}-12-31" + ("" if schema["format"] == "date" else "T00:00:00Z")
            if item.accepts(wrap(far)):
                yield f"accepts {far}"
    else:
        longest = schema.get("maxLength", -1)
        if longest < 0:
            yield "has no maxLength"
        url = schema.get("format") == "uri"
        plain, with_nul = (SITE + "ab", SITE + "a\u0000b") if url else ("ab", "a\u0000b")
        accepts_nul = item.accepts(wrap(with_nul))
        excepted = (item.model, item.name) in CONTROLS_REFUSED_BY_SERVICE
        if accepts_nul and not excepted:
            yield "accepts NUL"
        elif excepted and not accepts_nul:
            yield "refuses NUL itself now: drop it from CONTROLS_REFUSED_BY_SERVICE"
        elif not accepts_nul and not item.accepts(wrap(plain)) and "pattern" not in schema:
            yield "refuses every probe: give it one that tells NUL apart"
    for column in columns:
        length = getattr(column.type, "length", None)
        if length is not None and longest > length:
            yield f"holds {longest} characters, {column.table.name}.{column.name} {length}"


def _number_faults(schema: dict[str, Any], columns) -> Iterator[str]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is None or high is None:
        yield "is unbounded"
        return
    ranges = [
        INT_RANGES.get(column.type.compile(dialect=postgresql.dialect())) for column in columns
    ]
    for column_low, column_high in [r for r in ranges if r] or [ANY_INTEGER]:
        if low < column_low or high > column_high:
            yield f"ranges {low}..{high}, beyond {column_low}..{column_high}"


def faults_of(item: Input) -> Iterator[str]:
    columns = columns_of(item.model, item.name)
    for schema, wrap in _leaves(item.schema, item.defs, lambda value: value):
        kind = schema.get("type")
        if kind == "array" and "maxItems" not in schema:
            yield "is a list without maxItems"
        elif kind == "string" or "enum" in schema:
            yield from _string_faults(item, schema, wrap, columns)
        elif kind in ("integer", "number"):
            yield from _number_faults(schema, columns)


def test_every_request_value_is_bounded_refuses_nul_and_fits_its_column(app: FastAPI) -> None:
    inputs = list(request_inputs(app))
    walked = {item.model for item in inputs}
    fields = {(item.model, item.name) for item in inputs}
    # The exceptions are still needed, and still name what there is.
    assert set(WRITES_TO) <= walked
    for model, tables in WRITES_TO.items():
        assert all(_package(table) != _package(model) for table in tables), model
    assert set(FEEDS) <= walked
    for form, fed in FEEDS.items():
        assert set(form.model_fields) & set(fed.model_fields), f"{form.__name__} feeds nothing"
    assert {model for model in walked if model and model.__module__ == forms.__name__} <= set(FEEDS)
    for model, name in STORED_AS:
        assert (model, name) in fields, (model, name)
        assert not _same_named(model, name), f"{model.__name__}.{name} maps by its name now"
    faults = sorted({f"{item.where}: {fault}" for item in inputs for fault in faults_of(item)})
    assert not faults, "\n".join(faults)
