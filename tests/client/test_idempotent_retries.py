"""The client's creating calls carry an Idempotency-Key: one whose answer is lost after the
server acted on it is sent again with the same key, and the server stores it once."""

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.client import (
    AsyncCommitmentsClient,
    CommitmentsClient,
    OutcomeUnknownError,
    ServiceUnreachableError,
)
from app.commitments.models import CommitmentPublic
from app.core.errors import PROBLEM_MEDIA_TYPE, problem_type
from app.ingest.models import TakenIn
from tests.conftest import TOKENS
from tests.ingest.statements import JOINT_STATEMENT

REF = "SCM56-RCF-13"
KEY = "idempotency-key"

Answer = Callable[[httpx.Request, httpx.Response], httpx.Response]


def connection_lost(request: httpx.Request, _: httpx.Response) -> httpx.Response:
    raise httpx.RemoteProtocolError("server disconnected without a response", request=request)


def read_timed_out(request: httpx.Request, _: httpx.Response) -> httpx.Response:
    raise httpx.ReadTimeout("no answer in time", request=request)


def problem(status: int, kind: str, title: str, detail: str, retry_after: str) -> httpx.Response:
    """An answer of the server's problem type `kind`, as the API sends it."""
    return httpx.Response(
        status,
        json={"type": problem_type(kind), "title": title, "status": status, "detail": detail},
        headers={"Content-Type": PROBLEM_MEDIA_TYPE, "Retry-After": retry_after},
    )


def outcome_unknown(_request: httpx.Request, _: httpx.Response) -> httpx.Response:
    detail = "The database went away while the change was being committed."
    return problem(503, "outcome-unknown", "Outcome unknown", detail, "2")


class LosesAnswers(httpx.BaseTransport):
    """Passes every request to the server; the first `losses` answers are lost on their way
    back (`lose` turns each into what the client gets instead). Keeps every request sent and
    every answer the server gave."""

    def __init__(self, inner: httpx.BaseTransport, losses: int, lose: Answer) -> None:
        self.inner, self.losses, self.lose = inner, losses, lose
        self.sent: list[httpx.Request] = []
        self.answered: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = self.inner.handle_request(request)
        response.read()
        self.answered.append(response)
        if len(self.sent) <= self.losses:
            return self.lose(request, response)
        return response

    def keys(self) -> list[str | None]:
        return [request.headers.get(KEY) for request in self.sent]


@pytest.fixture
def losing(
    app: FastAPI, retrying_client
) -> Callable[..., tuple[CommitmentsClient, LosesAnswers, list[float]]]:
    def make(losses: int, lose: Answer) -> tuple[CommitmentsClient, LosesAnswers, list[float]]:
        transport = LosesAnswers(TestClient(app)._transport, losses, lose)
        client, delays = retrying_client(transport)
        return client, transport, delays

    return make


def titled(client: TestClient, title: str) -> list[str]:
    found = client.get("/api/v1/commitments", params={"q": title}).json()["items"]
    return [item["ref"] for item in found if item["title"] == title]


@pytest.mark.parametrize("lose", [connection_lost, read_timed_out, outcome_unknown])
def test_a_commitment_whose_answer_was_lost_is_created_once(
    losing, client: TestClient, lose: Answer
) -> None:
    editor, transport, _ = losing(1, lose)
    created = editor.create_commitment({"title": "Created once", "parties": ["US"]})
    assert len(transport.sent) == 2
    first, again = transport.keys()
    assert first is not None
    assert first == again
    assert [r.status_code for r in transport.answered] == [201, 201]
    assert transport.answered[1].headers["idempotent-replayed"] == "true"
    assert titled(client, "Created once") == [created.ref]


@pytest.mark.parametrize("lose", [connection_lost, outcome_unknown])
def test_a_note_whose_answer_was_lost_is_stored_once(
    losing, client: TestClient, lose: Answer
) -> None:
    editor, transport, _ = losing(2, lose)
    read = CommitmentPublic.model_validate(client.get(f"/api/v1/commitments/{REF}").json())
    note = editor.add_note(read, {"text": "Sent three times, stored once", "status": "blocked"})
    assert len(transport.sent) == 3
    assert len(set(transport.keys())) == 1
    notes = client.get(f"/api/v1/commitments/{REF}/updates").json()["items"]
    assert [n["id"] for n in notes] == [note.id]
    assert client.get(f"/api/v1/commitments/{REF}").json()["status"] == "blocked"


def ours(taken: TakenIn) -> tuple[str, list[int]]:
    """The statement's slug and its candidates a US editor may decide."""
    return taken.document.slug, [c.number for c in taken.candidates if "US" in c.obligors]


def statement(text: str) -> dict[str, Any]:
    return {
        "title": "Joint statement",
        "publisher": "Ministry",
        "issued_on": "2026-11-01",
        "parties": ["US", "ROK"],
        "text": text,
    }


def test_a_statement_and_its_review_survive_lost_answers(losing, client: TestClient) -> None:
    editor, transport, _ = losing(1, connection_lost)
    taken = editor.take_in(statement(JOINT_STATEMENT))
    assert taken.created is True, "the replay answers as the first time did"
    assert len(transport.sent) == 2
    slug, numbers = ours(taken)
    decision = editor.accept(slug, numbers[0], {"title": "Accepted once"})
    assert titled(client, "Accepted once") == [decision.commitment.ref]
    other_slug, others = ours(editor.take_in(statement(JOINT_STATEMENT + "\nAgain.")))
    for call in (
        lambda: editor.reject(slug, numbers[1], "Not a commitment"),
        lambda: editor.accept_many(other_slug, [others[0]]),
        lambda: editor.merge(other_slug, others[1], REF),
    ):
        transport.sent.clear()
        transport.losses = 1
        call()
        assert len(transport.sent) == 2
        assert len(set(transport.keys())) == 1
        assert transport.answered[-1].headers["idempotent-replayed"] == "true"
    states = client.get(f"/api/v1/documents/{other_slug}/candidates").json()["items"]
    assert [c["state"] for c in states if c["number"] in others] == ["accepted", "merged"]


def test_each_creating_call_has_a_key_of_its_own(losing) -> None:
    editor, transport, _ = losing(0, connection_lost)
    editor.create_commitment({"title": "One", "parties": ["US"]})
    editor.create_commitment({"title": "One", "parties": ["US"]})
    editor.add_note(REF, {"text": "Two"})
    keys = transport.keys()
    assert None not in keys
    assert len(set(keys)) == 3
    assert all(key.startswith('"') and key.endswith('"') for key in keys if key)


def test_a_write_without_a_key_is_not_sent_again_when_its_outcome_is_unknown(
    losing, client: TestClient
) -> None:
    read = CommitmentPublic.model_validate(client.get(f"/api/v1/commitments/{REF}").json())
    editor, transport, _ = losing(1, outcome_unknown)
    with pytest.raises(OutcomeUnknownError) as unknown:
        editor.update_commitment(read, {"description": "Committed, but who knows"})
    assert unknown.value.status == 503
    assert len(transport.sent) == 1
    assert transport.keys() == [None]
    editor, transport, _ = losing(1, connection_lost)
    with pytest.raises(ServiceUnreachableError) as lost:
        editor.update_commitment(read, {"description": "Again"})
    assert isinstance(lost.value.__cause__, httpx.RemoteProtocolError)
    assert len(transport.sent) == 1


def in_flight() -> httpx.Response:
    return problem(409, "idempotency-key-in-flight", "In progress", "still being done", "1")


def test_a_key_still_in_flight_is_asked_again_after_retry_after(
    app: FastAPI, client: TestClient
) -> None:
    """The server says the key's first request is still being done: the client asks again
    after Retry-After, and gets the answer."""

    class InFlightFirst(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner, self.sent = TestClient(app)._transport, 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            self.sent += 1
            return self.inner.handle_request(request) if self.sent > 1 else in_flight()

    transport, delays = InFlightFirst(), []
    with CommitmentsClient(
        "http://testserver", TOKENS["us-editor"], transport=transport, sleep=delays.append
    ) as editor:
        created = editor.create_commitment({"title": "After a 409", "parties": ["US"]})
    assert (transport.sent, delays) == (2, [1.0])
    assert titled(client, "After a 409") == [created.ref]


class AsyncLosesAnswers(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, losses: int) -> None:
        self.inner, self.losses, self.keys = inner, losses, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get(KEY))
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if len(self.keys) <= self.losses:
            return outcome_unknown(request, response)
        return response


def test_the_async_client_sends_a_lost_creation_again_with_its_key(
    app: FastAPI, client: TestClient
) -> None:
    async def scenario() -> Any:
        delays: list[float] = []

        async def sleep(seconds: float) -> None:
            delays.append(seconds)

        transport = AsyncLosesAnswers(httpx.ASGITransport(app=app), 1)
        async with AsyncCommitmentsClient(
            "http://test", TOKENS["us-editor"], transport=transport, sleep=sleep
        ) as editor:
            created = await editor.create_commitment({"title": "Async once", "parties": ["US"]})
        assert delays == [2.0]
        return created, transport.keys

    created, keys = asyncio.run(scenario())
    assert len(keys) == 2
    assert keys[0] == keys[1] is not None
    assert titled(client, "Async once") == [created.ref]
