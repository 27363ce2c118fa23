"""CommitmentsClient (httpx.Client) and AsyncCommitmentsClient (httpx.AsyncClient): the same
methods, returning the API's own schemas."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import date
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from app.client import calls
from app.client.calls import Call
from app.client.errors import ServiceUnreachableError
from app.client.retry import RetryPolicy
from app.commitments import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_STALE_DAYS,
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
from app.vocabulary import CommitmentSort

Result = TypeVar("Result")
Filters = CommitmentFilters | Mapping[str, Any] | None
PAGE_SIZE = 200


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _unreachable(
    http: httpx.Client | httpx.AsyncClient, call: Call[Any], attempts: int, error: Exception
) -> ServiceUnreachableError:
    url = str(http.build_request(call.method, call.path, params=call.params).url)
    return ServiceUnreachableError(call.method, url, attempts, error)


class CommitmentsClient:
    """A synchronous client. Use as a context manager, or call close()."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._owned = http is None
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self._headers = _headers(token)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    def _run(self, call: Call[Result]) -> Result:
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=self._headers | call.headers,
                )
            except httpx.TransportError as error:
                delay = self._retry.after_error(call, error, attempt)
                if delay is None:
                    raise _unreachable(self._http, call, attempt + 1, error) from error
            else:
                delay = self._retry.after_response(call, response, attempt)
                if delay is None:
                    return call.read(response)
            self._sleep(delay)
            attempt += 1

    def iter_commitments(
        self, filters: Filters = None, **criteria: Any
    ) -> Iterator[CommitmentPublic]:
        """Every commitment matching the filters (and in the order of `sort=`), following the
        pages. InvalidQueryError at once for a filter, sort or value the API would refuse."""
        return self._pages(calls.commitment_query(filters, criteria))

    def _pages(self, query: dict[str, Any]) -> Iterator[CommitmentPublic]:
        cursor = None
        while True:
            page = self._run(calls.list_page(query, cursor, PAGE_SIZE))
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def list_commitments(
        self,
        filters: Filters = None,
        *,
        sort: CommitmentSort | str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> CommitmentPage:
        query = calls.commitment_query(filters, {"sort": sort})
        return self._run(calls.list_page(query, cursor, limit))

    def get_commitment(self, ref: str, *, as_of: date | str | None = None) -> CommitmentPublic:
        return self._run(calls.get_commitment(ref, as_of))

    def create_commitment(self, data: CommitmentCreate | Mapping[str, Any]) -> CommitmentPublic:
        return self._run(calls.create_commitment(data))

    def update_commitment(
        self, commitment: CommitmentPublic, changes: CommitmentUpdate | Mapping[str, Any]
    ) -> CommitmentPublic:
        """Sends If-Match from `commitment`: a ConflictError if it changed since."""
        return self._run(calls.update_commitment(commitment, changes))

    def assess(
        self,
        commitment: CommitmentPublic,
        party: str,
        assessment: AssessmentIn | Mapping[str, Any],
    ) -> CommitmentPublic:
        """Record one obligor's assessment (If-Match from `commitment`)."""
        return self._run(calls.assess(commitment, party, assessment))

    def add_note(
        self, commitment: CommitmentPublic | str, note: NoteCreate | Mapping[str, Any]
    ) -> NotePublic:
        return self._run(calls.add_note(commitment, note))

    def notes(self, ref: str) -> NoteList:
        return self._run(calls.notes(ref))

    def history(self, ref: str) -> HistoryPage:
        return self._run(calls.history(ref))

    def me(self) -> UserPublic:
        return self._run(calls.me())

    def deadlines(
        self,
        *,
        as_of: date | str | None = None,
        due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
        stale_days: int = DEFAULT_STALE_DAYS,
        include_open: bool = True,
    ) -> DeadlineReport:
        return self._run(calls.deadlines(as_of, due_soon_days, stale_days, include_open))

    def overdue(self, *, as_of: date | str | None = None) -> OverdueReport:
        return self._run(calls.overdue(as_of))

    def summary(
        self, group_by: GroupBy | str = GroupBy.area, filters: Filters = None
    ) -> SummaryReport:
        return self._run(calls.summary(group_by, filters))

    def cycle_report(self, meeting: str, *, as_of: date | str | None = None) -> CycleReport:
        return self._run(calls.cycle(meeting, as_of))

    def report_text(self, path: str, output: str = "csv", **params: Any) -> str:
        """A report, or the commitment list, as CSV or Markdown (path: /api/v1/reports/...)."""
        return self._run(calls.report_text(path, output, params))

    def take_in(self, upload: DocumentUpload | Mapping[str, Any]) -> TakenIn:
        """Take a statement in and get its candidate commitments."""
        return self._run(calls.take_in(upload))

    def candidates(
        self,
        slug: str,
        *,
        state: str | None = None,
        kind: str | None = None,
        min_confidence: float | None = None,
    ) -> CandidateList:
        return self._run(calls.candidates(slug, state, kind, min_confidence))

    def accept(
        self, slug: str, number: int, edits: CandidateEdits | Mapping[str, Any] | None = None
    ) -> Decision:
        return self._run(calls.accept(slug, number, edits))

    def accept_many(self, slug: str, numbers: list[int]) -> BulkDecision:
        return self._run(calls.accept_many(slug, numbers))

    def reject(self, slug: str, number: int, reason: str) -> CandidatePublic:
        return self._run(calls.reject(slug, number, reason))

    def merge(self, slug: str, number: int, ref: str) -> Decision:
        return self._run(calls.merge(slug, number, ref))

    def re_extract(self, slug: str) -> CandidateList:
        return self._run(calls.re_extract(slug))

    def close(self) -> None:
        if self._owned:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCommitmentsClient:
    """The same methods as CommitmentsClient, to await. Use as an async context manager."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._owned = http is None
        self._http = http or httpx.AsyncClient(
            base_url=base_url, timeout=timeout, transport=transport
        )
        self._headers = _headers(token)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    async def _run(self, call: Call[Result]) -> Result:
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=self._headers | call.headers,
                )
            except httpx.TransportError as error:
                delay = self._retry.after_error(call, error, attempt)
                if delay is None:
                    raise _unreachable(self._http, call, attempt + 1, error) from error
            else:
                delay = self._retry.after_response(call, response, attempt)
                if delay is None:
                    return call.read(response)
            await self._sleep(delay)
            attempt += 1

    def iter_commitments(
        self, filters: Filters = None, **criteria: Any
    ) -> AsyncIterator[CommitmentPublic]:
        """To iterate with `async for`; a bad filter raises here, before any request."""
        return self._pages(calls.commitment_query(filters, criteria))

    async def _pages(self, query: dict[str, Any]) -> AsyncIterator[CommitmentPublic]:
        cursor = None
        while True:
            page = await self._run(calls.list_page(query, cursor, PAGE_SIZE))
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def list_commitments(
        self,
        filters: Filters = None,
        *,
        sort: CommitmentSort | str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> CommitmentPage:
        query = calls.commitment_query(filters, {"sort": sort})
        return await self._run(calls.list_page(query, cursor, limit))

    async def get_commitment(
        self, ref: str, *, as_of: date | str | None = None
    ) -> CommitmentPublic:
        return await self._run(calls.get_commitment(ref, as_of))

    async def create_commitment(
        self, data: CommitmentCreate | Mapping[str, Any]
    ) -> CommitmentPublic:
        return await self._run(calls.create_commitment(data))

    async def update_commitment(
        self, commitment: CommitmentPublic, changes: CommitmentUpdate | Mapping[str, Any]
    ) -> CommitmentPublic:
        return await self._run(calls.update_commitment(commitment, changes))

    async def assess(
        self,
        commitment: CommitmentPublic,
        party: str,
        assessment: AssessmentIn | Mapping[str, Any],
    ) -> CommitmentPublic:
        return await self._run(calls.assess(commitment, party, assessment))

    async def add_note(
        self, commitment: CommitmentPublic | str, note: NoteCreate | Mapping[str, Any]
    ) -> NotePublic:
        return await self._run(calls.add_note(commitment, note))

    async def notes(self, ref: str) -> NoteList:
        return await self._run(calls.notes(ref))

    async def history(self, ref: str) -> HistoryPage:
        return await self._run(calls.history(ref))

    async def me(self) -> UserPublic:
        return await self._run(calls.me())

    async def deadlines(
        self,
        *,
        as_of: date | str | None = None,
        due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
        stale_days: int = DEFAULT_STALE_DAYS,
        include_open: bool = True,
    ) -> DeadlineReport:
        return await self._run(calls.deadlines(as_of, due_soon_days, stale_days, include_open))

    async def overdue(self, *, as_of: date | str | None = None) -> OverdueReport:
        return await self._run(calls.overdue(as_of))

    async def summary(
        self, group_by: GroupBy | str = GroupBy.area, filters: Filters = None
    ) -> SummaryReport:
        return await self._run(calls.summary(group_by, filters))

    async def cycle_report(self, meeting: str, *, as_of: date | str | None = None) -> CycleReport:
        return await self._run(calls.cycle(meeting, as_of))

    async def report_text(self, path: str, output: str = "csv", **params: Any) -> str:
        return await self._run(calls.report_text(path, output, params))

    async def take_in(self, upload: DocumentUpload | Mapping[str, Any]) -> TakenIn:
        return await self._run(calls.take_in(upload))

    async def candidates(
        self,
        slug: str,
        *,
        state: str | None = None,
        kind: str | None = None,
        min_confidence: float | None = None,
    ) -> CandidateList:
        return await self._run(calls.candidates(slug, state, kind, min_confidence))

    async def accept(
        self, slug: str, number: int, edits: CandidateEdits | Mapping[str, Any] | None = None
    ) -> Decision:
        return await self._run(calls.accept(slug, number, edits))

    async def accept_many(self, slug: str, numbers: list[int]) -> BulkDecision:
        return await self._run(calls.accept_many(slug, numbers))

    async def reject(self, slug: str, number: int, reason: str) -> CandidatePublic:
        return await self._run(calls.reject(slug, number, reason))

    async def merge(self, slug: str, number: int, ref: str) -> Decision:
        return await self._run(calls.merge(slug, number, ref))

    async def re_extract(self, slug: str) -> CandidateList:
        return await self._run(calls.re_extract(slug))

    async def aclose(self) -> None:
        if self._owned:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
