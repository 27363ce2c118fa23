"""What each client method asks of the API and how it reads the answer: shared by the sync and
async clients, which differ only in how they send."""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from app.client import queries
from app.client.errors import (
    InvalidQueryError,
    InvalidRequestError,
    UnexpectedResponseError,
    error_for,
)
from app.commitments import (
    AssessmentIn,
    CommitmentCreate,
    CommitmentFilters,
    CommitmentPage,
    CommitmentPublic,
    CommitmentUpdate,
)
from app.history import HistoryPage
from app.ingest import (
    BulkDecision,
    CandidateEdits,
    CandidateList,
    CandidatePublic,
    Decision,
    DocumentUpload,
    TakenIn,
)
from app.progress import NoteCreate, NoteList, NotePublic
from app.reports import CycleReport, DeadlineReport, GroupBy, OverdueReport, SummaryReport
from app.users import UserPublic

Result = TypeVar("Result")
Model = TypeVar("Model", bound=BaseModel)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
IDEMPOTENCY_KEY = "Idempotency-Key"
# How much of an unexpected answer an UnexpectedResponseError carries.
BODY_SHOWN = 500


@dataclass(frozen=True)
class Call(Generic[Result]):
    method: str
    path: str
    read: Callable[[httpx.Response], Result]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT

    @property
    def retriable(self) -> bool:
        """Safe to send again after it may have been acted on: idempotent by its method, or
        made so by its Idempotency-Key (the server does it once, however often it is sent)."""
        return self.idempotent or IDEMPOTENCY_KEY in self.headers


def check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:500]}
        raise error_for(response.status_code, body if isinstance(body, dict) else {})
    return response


def model(kind: type[Model]) -> Callable[[httpx.Response], Model]:
    def read(response: httpx.Response) -> Model:
        content = check(response).content
        try:
            return kind.model_validate_json(content)
        except ModelError as error:
            raise UnexpectedResponseError(
                response.status_code,
                response.headers.get("Content-Type", ""),
                content[:BODY_SHOWN].decode("utf-8", "replace"),
                kind.__name__,
            ) from error

    return read


def text(response: httpx.Response) -> str:
    return check(response).text


def _body(value: BaseModel | Mapping[str, Any], kind: type[BaseModel]) -> Any:
    """The body as the API's own model checks it; InvalidRequestError where the API would
    answer 422."""
    try:
        validated = value if isinstance(value, kind) else kind.model_validate(value)
    except ModelError as error:
        raise InvalidRequestError(kind.__name__, error.errors(include_url=False)) from error
    return validated.model_dump(mode="json", exclude_unset=True)


def _path(template: str, **values: str | int) -> str:
    """`template` with each caller's value as one percent-encoded path segment, so a ref such
    as `../me` or `X?as_of=...` names that resource, never another path or a query."""
    segments = {}
    for name, value in values.items():
        segment = quote(str(value), safe="")
        if not segment:
            raise InvalidQueryError(template, f"{name} is empty", [name], sorted(values))
        # httpx resolves "." and ".." segments, so they are sent encoded.
        segments[name] = segment.replace(".", "%2E") if not segment.strip(".") else segment
    return template.format(**segments)


def _if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def _once() -> dict[str, str]:
    """A new Idempotency-Key (a quoted string, as the header's draft has it) for a call that
    creates: its retries send the same one."""
    return {IDEMPOTENCY_KEY: f'"{uuid.uuid4()}"'}


def commitment_query(
    filters: CommitmentFilters | Mapping[str, Any] | None, criteria: Mapping[str, Any]
) -> dict[str, Any]:
    """The list's filters and sort as query parameters; InvalidQueryError for any the API would
    refuse."""
    return queries.COMMITMENTS.query(
        queries.given(queries.COMMITMENTS, filters, criteria), own=queries.PAGED
    )


def list_page(query: Mapping[str, Any], cursor: str | None, limit: int) -> Call[CommitmentPage]:
    """A page of the list; `query` as commitment_query gives it."""
    params = dict(query) | queries.COMMITMENTS.query({"limit": limit, "cursor": cursor or None})
    return Call("GET", "/api/v1/commitments", model(CommitmentPage), params=params)


def get_commitment(ref: str, as_of: date | str | None) -> Call[CommitmentPublic]:
    params = queries.COMMITMENT.query({"as_of": as_of})
    path = _path("/api/v1/commitments/{ref}", ref=ref)
    return Call("GET", path, model(CommitmentPublic), params=params)


def create_commitment(data: CommitmentCreate | Mapping[str, Any]) -> Call[CommitmentPublic]:
    return Call(
        "POST",
        "/api/v1/commitments",
        model(CommitmentPublic),
        json=_body(data, CommitmentCreate),
        headers=_once(),
    )


def update_commitment(
    commitment: CommitmentPublic, changes: CommitmentUpdate | Mapping[str, Any]
) -> Call[CommitmentPublic]:
    return Call(
        "PATCH",
        _path("/api/v1/commitments/{ref}", ref=commitment.ref),
        model(CommitmentPublic),
        json=_body(changes, CommitmentUpdate),
        headers=_if_match(commitment.version),
    )


def assess(
    commitment: CommitmentPublic, party: str, assessment: AssessmentIn | Mapping[str, Any]
) -> Call[CommitmentPublic]:
    return Call(
        "PUT",
        _path("/api/v1/commitments/{ref}/assessments/{party}", ref=commitment.ref, party=party),
        model(CommitmentPublic),
        json=_body(assessment, AssessmentIn),
        headers=_if_match(commitment.version),
    )


def add_note(
    commitment: CommitmentPublic | str, note: NoteCreate | Mapping[str, Any]
) -> Call[NotePublic]:
    """Given the commitment itself (not just its ref), the note carries If-Match, as a status
    change needs."""
    if isinstance(commitment, CommitmentPublic):
        ref, headers = commitment.ref, _if_match(commitment.version)
    else:
        ref, headers = commitment, {}
    return Call(
        "POST",
        _path("/api/v1/commitments/{ref}/updates", ref=ref),
        model(NotePublic),
        json=_body(note, NoteCreate),
        headers=headers | _once(),
    )


def notes(ref: str) -> Call[NoteList]:
    return Call("GET", _path("/api/v1/commitments/{ref}/updates", ref=ref), model(NoteList))


def history(ref: str) -> Call[HistoryPage]:
    return Call("GET", _path("/api/v1/commitments/{ref}/history", ref=ref), model(HistoryPage))


def me() -> Call[UserPublic]:
    return Call("GET", "/api/v1/me", model(UserPublic))


def deadlines(
    as_of: date | str | None, due_soon_days: int, stale_days: int, include_open: bool = True
) -> Call[DeadlineReport]:
    given = {"as_of": as_of, "due_soon_days": due_soon_days, "stale_days": stale_days}
    if not include_open:
        given["include_open"] = False
    params = queries.DEADLINES.query(given, own=queries.AS_JSON)
    return Call("GET", "/api/v1/reports/deadlines", model(DeadlineReport), params=params)


def overdue(as_of: date | str | None) -> Call[OverdueReport]:
    params = queries.OVERDUE.query({"as_of": as_of}, own=queries.AS_JSON)
    return Call("GET", "/api/v1/reports/overdue", model(OverdueReport), params=params)


def summary(
    group_by: GroupBy | str, filters: CommitmentFilters | Mapping[str, Any] | None
) -> Call[SummaryReport]:
    given = queries.given(queries.SUMMARY, filters, {"group_by": group_by})
    params = queries.SUMMARY.query(given, own=queries.AS_JSON)
    return Call("GET", "/api/v1/reports/summary", model(SummaryReport), params=params)


def cycle(meeting: str, as_of: date | str | None) -> Call[CycleReport]:
    params = queries.CYCLE.query({"meeting": meeting, "as_of": as_of}, own=queries.AS_JSON)
    return Call("GET", "/api/v1/reports/cycle", model(CycleReport), params=params)


def report_text(path: str, output: str, params: Mapping[str, Any]) -> Call[str]:
    """A report (or the commitment list) as CSV or Markdown text; `output` is its format."""
    operation = queries.text_operation(path)
    checked = operation.query(params, own=queries.FORMAT)
    return Call("GET", path, text, params=checked | operation.query({"format": output}))


def take_in(upload: DocumentUpload | Mapping[str, Any]) -> Call[TakenIn]:
    """A statement to take in; the same text again answers its document (`created` false)."""
    return Call(
        "POST",
        "/api/v1/documents",
        model(TakenIn),
        json=_body(upload, DocumentUpload),
        headers=_once(),
    )


def candidates(
    slug: str, state: str | None, kind: str | None, min_confidence: float | None
) -> Call[CandidateList]:
    given = {"state": state, "kind": kind, "min_confidence": min_confidence}
    params = queries.CANDIDATES.query(given)
    return Call(
        "GET",
        _path("/api/v1/documents/{slug}/candidates", slug=slug),
        model(CandidateList),
        params=params,
    )


def accept(
    slug: str, number: int, edits: CandidateEdits | Mapping[str, Any] | None
) -> Call[Decision]:
    return Call(
        "POST",
        _path("/api/v1/documents/{slug}/candidates/{number}/accept", slug=slug, number=number),
        model(Decision),
        json=_body(edits or {}, CandidateEdits),
        headers=_once(),
    )


def accept_many(slug: str, numbers: list[int]) -> Call[BulkDecision]:
    return Call(
        "POST",
        _path("/api/v1/documents/{slug}/candidates/accept", slug=slug),
        model(BulkDecision),
        json={"numbers": numbers},
        headers=_once(),
    )


def reject(slug: str, number: int, reason: str) -> Call[CandidatePublic]:
    return Call(
        "POST",
        _path("/api/v1/documents/{slug}/candidates/{number}/reject", slug=slug, number=number),
        model(CandidatePublic),
        json={"reason": reason},
        headers=_once(),
    )


def merge(slug: str, number: int, ref: str) -> Call[Decision]:
    return Call(
        "POST",
        _path("/api/v1/documents/{slug}/candidates/{number}/merge", slug=slug, number=number),
        model(Decision),
        json={"ref": ref},
        headers=_once(),
    )


def re_extract(slug: str) -> Call[CandidateList]:
    return Call(
        "POST",
        _path("/api/v1/documents/{slug}/candidates/extract", slug=slug),
        model(CandidateList),
    )
