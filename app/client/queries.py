"""What each list and report of the API takes in its query string, checked before anything is
sent: a misspelt filter, a sort the API does not know or a value it would refuse raises
InvalidQueryError, where the API would answer 422, instead of being dropped or sent.

The commitment filters are the API's own model (CommitmentFilters), and each sort, grouping,
format, state, kind and date its own type, so a filter or value the API gains, the client takes
at once. The other names of each operation are listed here; tests/client/test_queries.py holds
them to the operation's parameters in the API's OpenAPI description.

A filter that takes several values (status, kind) also takes one alone, as the API does:
`status="blocked"` is `?status=blocked`, a list of one. `None` is a filter not given."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic import ValidationError as ModelError

from app.client.errors import InvalidQueryError
from app.commitments import CommitmentFilters
from app.core.formats import Format
from app.core.pagination import Cursor
from app.core.validation import Code, Day
from app.ingest import CandidateState
from app.reports import GroupBy
from app.vocabulary import CommitmentKind, CommitmentSort

FILTERS = frozenset(info.alias or name for name, info in CommitmentFilters.model_fields.items())
_LISTS = frozenset(
    info.alias or name
    for name, info in CommitmentFilters.model_fields.items()
    if get_origin(info.annotation) is list
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _StrictFilters(CommitmentFilters):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation:
    """One list or report: its path, the types of its own parameters, and whether it takes the
    commitment filters too."""

    path: str
    params: Mapping[str, Any]
    filters: bool = False
    model: type[BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields: dict[str, Any] = {name: (kind | None, None) for name, kind in self.params.items()}
        base = _StrictFilters if self.filters else _Strict
        query = create_model("Query", __base__=base, **fields)
        object.__setattr__(self, "model", query)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.params) | (FILTERS if self.filters else frozenset())

    def query(
        self, given: Mapping[str, Any], *, own: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """`given` as query parameters, checked as the API checks them; `own` are the names the
        calling method sets itself, which a caller may not."""
        name = f"GET {self.path}"
        allowed = sorted(self.names - own)
        values = {key: value for key, value in given.items() if value is not None}
        unknown = sorted(key for key in values if key not in self.names)
        if unknown:
            detail = f"unknown parameter{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}"
            raise InvalidQueryError(name, detail, unknown, allowed)
        reserved = sorted(own & values.keys())
        if reserved:
            detail = f"{', '.join(map(repr, reserved))} set by the method itself"
            raise InvalidQueryError(name, detail, reserved, allowed)
        if self.filters:
            values |= {
                key: [values[key]] for key in _LISTS & values.keys() if isinstance(values[key], str)
            }
        try:
            checked = self.model.model_validate(values)
        except ModelError as error:
            refused = {_parameter(problem["loc"]): problem["msg"] for problem in error.errors()}
            detail = "; ".join(f"{key}: {message}" for key, message in refused.items())
            raise InvalidQueryError(name, detail, sorted(refused), allowed) from error
        return checked.model_dump(mode="json", exclude_unset=True)


def _parameter(location: tuple[int | str, ...]) -> str:
    """The parameter a validation error is about (`status` for an error in its second value)."""
    return str(location[0]) if location else "query"


def given(
    operation: Operation,
    filters: CommitmentFilters | Mapping[str, Any] | None,
    criteria: Mapping[str, Any],
) -> dict[str, Any]:
    """Filters as an object or a mapping, with keyword criteria over them, as one mapping (a
    criterion given as None leaves the filter as it was); InvalidQueryError for anything else."""
    if isinstance(filters, CommitmentFilters):
        base: Mapping[str, Any] = filters.model_dump(exclude_defaults=True, by_alias=True)
    elif filters is None or isinstance(filters, Mapping):
        base = filters or {}
    else:
        detail = f"filters must be CommitmentFilters or a mapping, not {type(filters).__name__}"
        raise InvalidQueryError(f"GET {operation.path}", detail, ["filters"], sorted(FILTERS))
    return {**base, **{key: value for key, value in criteria.items() if value is not None}}


# Bounds of parameters outside the filters; tests/client/test_queries.py holds them to the API's.
_Limit = Annotated[int, Field(ge=1, le=200)]
_DueSoonDays = Annotated[int, Field(ge=0, le=3650)]
_StaleDays = Annotated[int, Field(ge=1, le=3650)]
_Confidence = Annotated[float, Field(ge=0, le=1)]
_TABLES: dict[str, Any] = {"format": Format, "bom": bool}
COMMITMENTS = Operation(
    "/api/v1/commitments",
    {"sort": CommitmentSort, "limit": _Limit, "cursor": Cursor, "total": bool, **_TABLES},
    filters=True,
)
SUMMARY = Operation(
    "/api/v1/reports/summary",
    {"group_by": GroupBy, "due_soon_days": _DueSoonDays, **_TABLES},
    filters=True,
)
DEADLINES = Operation(
    "/api/v1/reports/deadlines",
    {
        "as_of": Day,
        "due_soon_days": _DueSoonDays,
        "stale_days": _StaleDays,
        "include_open": bool,
        **_TABLES,
    },
)
OVERDUE = Operation("/api/v1/reports/overdue", {"as_of": Day, **_TABLES})
COMMITMENT = Operation("/api/v1/commitments/{ref}", {"as_of": Day})
CYCLE = Operation("/api/v1/reports/cycle", {"meeting": Code, "as_of": Day, **_TABLES})
CANDIDATES = Operation(
    "/api/v1/documents/{slug}/candidates",
    {"state": CandidateState, "kind": CommitmentKind, "min_confidence": _Confidence},
)
# What report_text can ask for as text, by path.
TEXT = {
    operation.path: operation for operation in (COMMITMENTS, SUMMARY, DEADLINES, OVERDUE, CYCLE)
}
# Set by the methods that read a page or a report as JSON, not by their callers.
PAGED = frozenset({"limit", "cursor", "format", "bom"})
AS_JSON = frozenset({"format", "bom"})
FORMAT = frozenset({"format"})


def text_operation(path: str) -> Operation:
    """The report (or list) at `path`, which report_text can ask for as CSV or Markdown."""
    operation = TEXT.get(path)
    if operation is None:
        raise InvalidQueryError(
            f"GET {path}", "not a list or report the client reads as text", [path], sorted(TEXT)
        )
    return operation
