import asyncio
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.client import (
    AsyncCommitmentsClient,
    CommitmentsClient,
    ConflictError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    StateConflictError,
    TooManyRequestsError,
    UnauthorizedError,
    ValidationError,
)
from app.commitments.models import CommitmentPublic
from tests.conftest import TOKENS
from tests.live_server import live_server

REF = "SCM56-RCF-13"


@pytest.fixture
def sync_client(app: FastAPI):
    with (
        TestClient(app) as http,
        CommitmentsClient("http://testserver", TOKENS["us-editor"], http=http) as client,
    ):
        yield client


def test_iterates_every_page_and_returns_the_apis_own_schemas(
    sync_client: CommitmentsClient, as_user
) -> None:
    client = as_user("us-editor")
    items = list(sync_client.iter_commitments())
    assert all(isinstance(item, CommitmentPublic) for item in items)
    assert len(items) == client.get("/api/v1/commitments?total=true").json()["total"]
    japan = [c.ref for c in sync_client.iter_commitments(party="JP")]
    assert japan == [
        c["ref"] for c in client.get("/api/v1/commitments", params={"party": "JP"}).json()["items"]
    ]
    assert [c.ref for c in sync_client.iter_commitments({"status": ["completed"]})] == [
        c["ref"]
        for c in client.get("/api/v1/commitments", params={"status": "completed"}).json()["items"]
    ]


def test_update_sends_if_match_and_a_stale_object_raises_conflict(
    sync_client: CommitmentsClient,
) -> None:
    read = sync_client.get_commitment(REF)
    updated = sync_client.update_commitment(read, {"description": "Both desks to name leads by Q1"})
    assert updated.version == read.version + 1
    with pytest.raises(ConflictError) as stale:
        sync_client.update_commitment(read, {"description": "overwrite?"})
    assert stale.value.status == 412
    assert stale.value.current_version == updated.version
    assert stale.value.type.endswith("/precondition-failed")
    assert sync_client.get_commitment(REF).description == "Both desks to name leads by Q1"


def test_problems_become_typed_errors(app: FastAPI, sync_client: CommitmentsClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        sync_client.get_commitment("NOPE-1")
    assert (missing.value.status, missing.value.detail) == (
        404,
        "No commitment with reference 'NOPE-1'.",
    )
    with pytest.raises(ValidationError) as invalid:
        sync_client.create_commitment({"title": "x", "parties": ["ZZ"]})
    assert invalid.value.status == 422
    sync_client.update_commitment(sync_client.get_commitment(REF), {"status": "superseded"})
    superseded = sync_client.get_commitment(REF)
    with pytest.raises(InvalidTransitionError) as wrong:
        sync_client.update_commitment(superseded, {"status": "in_progress"})
    assert wrong.value.allowed_next == []
    with TestClient(app) as http:
        viewer = CommitmentsClient("http://testserver", TOKENS["rok-viewer"], http=http)
        with pytest.raises(ForbiddenError):
            viewer.update_commitment(viewer.get_commitment("SCM56-FS-02"), {"title": "x"})
        with pytest.raises(UnauthorizedError):
            CommitmentsClient("http://testserver", "ac_" + "x" * 43, http=http).me()


def test_notes_history_and_reports(sync_client: CommitmentsClient) -> None:
    note = sync_client.add_note(
        REF, {"text": "Draft list of contacts exchanged", "percent_complete": 40}
    )
    assert note.percent_complete == 40
    assert [n.id for n in sync_client.notes(REF).items] == [note.id]
    assert sync_client.history(REF).items[-1].field in {"last_note_on", "percent_complete"}
    assert sync_client.overdue().total >= 1
    assert sync_client.summary("status").totals.total == len(list(sync_client.iter_commitments()))
    assert sync_client.cycle_report("SCM-57").meeting == "SCM-57"
    csv_text = sync_client.report_text("/api/v1/reports/summary", "csv", group_by="party")
    assert csv_text.splitlines()[0].startswith("party,key,total")


def test_the_async_client_in_process(app: FastAPI) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with AsyncCommitmentsClient(
            "http://test", TOKENS["rok-editor"], transport=transport
        ) as client:
            refs = [c.ref async for c in client.iter_commitments(party="ROK")]
            assert REF in refs
            read = await client.get_commitment(REF)
            done = await client.add_note(
                read,
                {
                    "text": "Leads named",
                    "status": "completed",
                    "evidence_url": "https://example.org/leads",
                },
            )
            assert done.status_to == "completed"
            with pytest.raises(ConflictError):
                await client.update_commitment(read, {"title": "stale"})
            report, summary = await asyncio.gather(client.deadlines(), client.summary("area"))
            assert REF not in {i.ref for i in report.overdue}
            assert summary.totals.by_status["completed"] >= 1

    asyncio.run(scenario())


def test_both_clients_against_a_real_server(database_url: str) -> None:
    with live_server(database_url) as (url, _):
        with CommitmentsClient(url, TOKENS["us-viewer"]) as client:
            assert client.me().name == "us-viewer"
            assert client.get_commitment(REF).ref == REF

        async def scenario() -> str:
            async with AsyncCommitmentsClient(url, TOKENS["us-viewer"]) as client:
                return (await client.get_commitment(REF)).title

        assert asyncio.run(scenario()) == "Identify points of contact for the framework"


class Flaky(httpx.BaseTransport):
    """Fails the first `failures` requests as told, then passes them on."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        failures: int,
        fail: Callable[[httpx.Request], httpx.Response],
    ) -> None:
        self.inner, self.failures, self.fail, self.attempts = inner, failures, fail, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return self.fail(request)
        return self.inner.handle_request(request)


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def unavailable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        503, json={"type": "about:blank", "title": "Unavailable", "status": 503, "detail": "busy"}
    )


@pytest.fixture
def flaky(app: FastAPI, retrying_client):
    def make(
        failures: int, fail: Callable[[httpx.Request], httpx.Response], token: str = "us-editor"
    ):
        transport = Flaky(TestClient(app)._transport, failures, fail)
        client, delays = retrying_client(transport, token)
        return client, transport, delays

    return make


def test_reads_are_retried_on_connection_errors_and_503_with_backoff(flaky) -> None:
    client, transport, delays = flaky(2, refuse)
    assert client.get_commitment(REF).ref == REF
    assert transport.attempts == 3
    assert len(delays) == 2
    assert delays[1] > delays[0]
    client, transport, _ = flaky(3, unavailable)
    assert client.get_commitment(REF).ref == REF
    assert transport.attempts == 4
    client, transport, _ = flaky(10, unavailable)
    with pytest.raises(ServerError) as failed:
        client.get_commitment(REF)
    assert failed.value.status == 503
    assert transport.attempts == 4, "three retries, then the error"


def bad_gateway(request: httpx.Request) -> httpx.Response:
    return httpx.Response(502, text="upstream went away")


def test_writes_without_a_key_that_reached_the_server_are_never_resent(
    flaky, client: TestClient
) -> None:
    read = CommitmentPublic.model_validate(client.get(f"/api/v1/commitments/{REF}").json())
    editor, transport, _ = flaky(1, bad_gateway)
    with pytest.raises(ServerError):
        editor.update_commitment(read, {"description": "Once only"})
    assert transport.attempts == 1
    editor, transport, _ = flaky(1, time_out)
    with pytest.raises(ServiceUnreachableError) as lost:
        editor.update_commitment(read, {"description": "Once only"})
    assert isinstance(lost.value.__cause__, httpx.ReadTimeout)
    assert transport.attempts == 1
    assert client.get(f"/api/v1/commitments/{REF}").json()["version"] == read.version


def test_a_write_that_never_connected_is_sent_again(flaky, client: TestClient) -> None:
    editor, transport, _ = flaky(1, refuse)
    created = editor.create_commitment(
        {"title": "Sent after a refused connection", "parties": ["US"]}
    )
    assert transport.attempts == 2
    found = client.get("/api/v1/commitments", params={"q": "refused connection"}).json()
    assert [i["ref"] for i in found["items"]] == [created.ref]


def test_client_errors_are_not_retried(flaky) -> None:
    client, transport, delays = flaky(0, refuse)
    with pytest.raises(NotFoundError):
        client.get_commitment("NOPE-1")
    assert (transport.attempts, delays) == (1, [])


class AsyncFlaky(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        failures: int,
        fail: Callable[[httpx.Request], httpx.Response],
    ) -> None:
        self.inner, self.failures, self.fail, self.attempts = inner, failures, fail, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return self.fail(request)
        return await self.inner.handle_async_request(request)


def test_the_async_client_retries_the_same_way(app: FastAPI) -> None:
    async def scenario() -> None:
        delays: list[float] = []

        async def sleep(seconds: float) -> None:
            delays.append(seconds)

        transport = AsyncFlaky(httpx.ASGITransport(app=app), 2, unavailable)
        async with AsyncCommitmentsClient(
            "http://test",
            TOKENS["us-editor"],
            transport=transport,
            retry=RetryPolicy(backoff=0.01),
            sleep=sleep,
        ) as client:
            assert (await client.get_commitment(REF)).ref == REF
            assert (transport.attempts, len(delays)) == (3, 2)
            transport.attempts, transport.failures, transport.fail = 0, 1, bad_gateway
            await client.add_note(REF, {"text": "sent again with its Idempotency-Key"})
            assert transport.attempts == 2
            assert len((await client.notes(REF)).items) == 1
            transport.attempts, transport.failures, transport.fail = 0, 1, unavailable
            await client.add_note(REF, {"text": "refused unprocessed, so sent again"})
            assert transport.attempts == 2
            assert len((await client.notes(REF)).items) == 2

    asyncio.run(scenario())


def problem(status: int, kind: str, headers: dict[str, str] | None = None, **extra: object):
    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "type": f"tag:alliance-commitments,2026:problem/{kind}",
            "title": kind,
            "status": status,
            "detail": f"a {kind} problem",
        }
        return httpx.Response(status, json=body | extra, headers=headers or {})

    return answer


def test_errors_follow_the_problem_type_not_the_status(flaky, client: TestClient) -> None:
    duplicate = client.post(
        "/api/v1/users", json={"name": "us-editor", "role": "viewer", "party": "US"}
    )
    assert duplicate.status_code == 409
    reader, _, _ = flaky(1, lambda request: httpx.Response(409, json=duplicate.json()))
    with pytest.raises(StateConflictError) as conflict:
        reader.get_commitment(REF)
    assert not isinstance(conflict.value, InvalidTransitionError)
    reader, _, _ = flaky(1, problem(409, "invalid-transition", allowed_next=["blocked"]))
    with pytest.raises(InvalidTransitionError) as transition:
        reader.get_commitment(REF)
    assert transition.value.allowed_next == ["blocked"]
    # A type this API does not issue falls back on the status.
    reader, _, _ = flaky(1, lambda request: httpx.Response(409, json={"type": "about:blank"}))
    with pytest.raises(StateConflictError):
        reader.get_commitment(REF)


def test_429_and_503_are_retried_after_retry_after_even_for_writes(
    flaky, client: TestClient
) -> None:
    editor, transport, delays = flaky(1, problem(429, "too-many-requests", {"Retry-After": "7"}))
    created = editor.create_commitment({"title": "Sent again after 429", "parties": ["US"]})
    assert (transport.attempts, delays) == (2, [7.0])
    editor, transport, delays = flaky(2, problem(503, "busy", {"Retry-After": "1"}))
    editor.add_note(created.ref, {"text": "Sent again after 503"})
    assert (transport.attempts, delays) == (3, [1.0, 1.0])
    notes = client.get(f"/api/v1/commitments/{created.ref}/updates").json()["items"]
    assert [note["text"] for note in notes] == ["Sent again after 503"]


def test_a_retry_after_longer_than_the_policy_allows_is_not_waited_for(flaky) -> None:
    reader, transport, delays = flaky(
        1, problem(429, "too-many-requests", {"Retry-After": "3600"}, retry_after=3600)
    )
    with pytest.raises(TooManyRequestsError) as refused:
        reader.get_commitment(REF)
    assert refused.value.retry_after == 3600
    assert (transport.attempts, delays) == (1, [])
    reader, transport, _ = flaky(10, problem(503, "not-ready"))
    with pytest.raises(ServiceUnavailableError):
        reader.get_commitment(REF)
    assert transport.attempts == 4


def test_who_owes_whom_and_assessments_through_the_client(sync_client: CommitmentsClient) -> None:
    from app.commitments.filters import CommitmentFilters
    from app.commitments.models import AssessmentIn
    from app.vocabulary.commitments import CommitmentKind

    requests = list(sync_client.iter_commitments(CommitmentFilters(kind=[CommitmentKind.request])))
    assert requests
    assert all(c.kind is CommitmentKind.request and c.counterparts for c in requests)
    commitment = sync_client.get_commitment(REF)
    assessed = sync_client.assess(
        commitment, "US", AssessmentIn(compliance=0, completion="limited")
    )
    assert [(a.party, a.completion) for a in assessed.assessments] == [("US", "limited")]
    with pytest.raises(ConflictError):
        sync_client.assess(commitment, "US", {"compliance": 1})  # the version read is stale
    by_kind = sync_client.summary("kind")
    assert "request" in {group.key for group in by_kind.groups}


def test_a_statement_reviewed_through_the_client(sync_client: CommitmentsClient) -> None:
    from app.ingest.enums import CandidateState
    from tests.ingest.statements import JOINT_STATEMENT

    taken = sync_client.take_in(
        {
            "title": "Client statement",
            "publisher": "Ministry",
            "issued_on": "2026-11-02",
            "parties": ["US", "ROK"],
            "text": JOINT_STATEMENT,
        }
    )
    slug = taken.document.slug
    numbers = {c.quote.split()[1]: c.number for c in taken.candidates}
    decision = sync_client.accept(slug, numbers["United"], {"title": "Deploy assets"})
    assert decision.commitment.title == "Deploy assets"
    assert decision.candidate.state is CandidateState.accepted
    rejected = sync_client.reject(slug, numbers["two"], "Already tracked elsewhere.")
    assert rejected.decision_reason == "Already tracked elsewhere."
    merged = sync_client.merge(slug, numbers["ROK"], decision.commitment.ref)
    assert merged.candidate.commitment == decision.commitment.ref
    with pytest.raises(StateConflictError):
        sync_client.accept(slug, numbers["two"])
    again = sync_client.re_extract(slug)
    assert [c.state for c in again.items] == [c.state for c in sync_client.candidates(slug).items]
    assert sync_client.candidates(slug, state="rejected").items[0].number == numbers["two"]
    with pytest.raises(NotFoundError):
        sync_client.candidates("no-such-statement")


def test_the_async_client_reviews_a_statement(app: FastAPI) -> None:
    from tests.ingest.statements import JOINT_STATEMENT

    async def review() -> tuple[int, str, int]:
        transport = httpx.ASGITransport(app=app)
        async with AsyncCommitmentsClient(
            "http://test", TOKENS["rok-editor"], transport=transport
        ) as client:
            taken = await client.take_in(
                {
                    "title": "Async statement",
                    "publisher": "Ministry",
                    "issued_on": "2026-11-03",
                    "parties": ["US", "ROK"],
                    "text": JOINT_STATEMENT,
                }
            )
            slug = taken.document.slug
            numbers = {c.quote.split()[1]: c.number for c in taken.candidates}
            decided = await client.accept_many(slug, [numbers["ROK"]])
            rejected = await client.reject(slug, numbers["two"], "Not ours to track.")
            await client.re_extract(slug)
            accepted = await client.candidates(slug, state="accepted")
            return len(decided.items), rejected.state.value, len(accepted.items)

    assert asyncio.run(review()) == (1, "rejected", 1)
