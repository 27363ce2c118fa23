"""Every error the client raises is a ClientError: a caller's value is one path segment, never
another path or a query; a body, filter or date the API would refuse is refused before sending;
an answer that is not the API's is an UnexpectedResponseError."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.client import (
    ApiError,
    AsyncCommitmentsClient,
    ClientError,
    CommitmentsClient,
    InvalidQueryError,
    InvalidRequestError,
    UnexpectedResponseError,
)
from tests.client.conftest import Recording, RetryingClients
from tests.conftest import TOKENS

REF = "SCM56-RCF-13"


HOSTILE = ["../me", f"{REF}?as_of=x", "../../users", "a/b#c", "..", "."]
ENCODED = {
    "../me": "..%2Fme",
    f"{REF}?as_of=x": f"{REF}%3Fas_of%3Dx",
    "../../users": "..%2F..%2Fusers",
    "a/b#c": "a%2Fb%23c",
    "..": "%2E%2E",
    ".": "%2E",
}
CALLS: dict[str, tuple[Callable[[CommitmentsClient, str], Any], str]] = {
    "get_commitment": (lambda c, ref: c.get_commitment(ref), "/api/v1/commitments/{}"),
    "notes": (lambda c, ref: c.notes(ref), "/api/v1/commitments/{}/updates"),
    "history": (lambda c, ref: c.history(ref), "/api/v1/commitments/{}/history"),
    "add_note": (
        lambda c, ref: c.add_note(ref, {"text": "x"}),
        "/api/v1/commitments/{}/updates",
    ),
    "candidates": (lambda c, slug: c.candidates(slug), "/api/v1/documents/{}/candidates"),
    "accept": (lambda c, slug: c.accept(slug, 1), "/api/v1/documents/{}/candidates/1/accept"),
    "reject": (
        lambda c, slug: c.reject(slug, 1, "no"),
        "/api/v1/documents/{}/candidates/1/reject",
    ),
    "re_extract": (
        lambda c, slug: c.re_extract(slug),
        "/api/v1/documents/{}/candidates/extract",
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_a_callers_value_is_one_path_segment(
    recorded: tuple[CommitmentsClient, Recording], name: str
) -> None:
    client, transport = recorded
    call, template = CALLS[name]
    for value in HOSTILE:
        # The server refuses the odd ref (404 or 422): it is that ref asked for, nothing else.
        with pytest.raises(ApiError):
            call(client, value)
        sent = transport.requests[-1].url
        assert sent.raw_path.decode() == template.format(ENCODED[value])
        assert sent.query == b""


def test_a_number_or_party_in_the_path_is_encoded(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    commitment = client.get_commitment(REF)
    with pytest.raises(ClientError):
        client.assess(commitment, "../../../me", {"compliance": 1})
    assert transport.requests[-1].url.raw_path.decode() == (
        f"/api/v1/commitments/{REF}/assessments/..%2F..%2F..%2Fme"
    )
    with pytest.raises(ClientError):
        client.merge("doc", "1/../../x", REF)  # type: ignore[arg-type]
    assert transport.requests[-1].url.raw_path.decode() == (
        "/api/v1/documents/doc/candidates/1%2F..%2F..%2Fx/merge"
    )


def test_an_empty_ref_is_refused_before_sending(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    with pytest.raises(InvalidQueryError, match="ref is empty"):
        client.get_commitment("")
    assert transport.requests == []


@pytest.mark.parametrize(
    "body", [{"titel": "x"}, None, [], "title", {"title": "x", "parties": ["US"], "due": 5}]
)
def test_a_body_the_api_would_refuse_is_refused_before_sending(
    recorded: tuple[CommitmentsClient, Recording], body: Any
) -> None:
    client, transport = recorded
    with pytest.raises(InvalidRequestError) as refused:
        client.create_commitment(body)
    assert refused.value.kind == "CommitmentCreate"
    assert refused.value.errors
    with pytest.raises(InvalidRequestError):
        client.add_note(REF, body)
    assert transport.requests == []


@pytest.mark.parametrize("filters", [["blocked"], "status=blocked", 5, ("status", "blocked")])
def test_filters_that_are_not_a_mapping_are_refused(
    recorded: tuple[CommitmentsClient, Recording], filters: Any
) -> None:
    client, transport = recorded
    with pytest.raises(InvalidQueryError) as refused:
        client.iter_commitments(filters)
    assert refused.value.names == ("filters",)
    with pytest.raises(InvalidQueryError):
        client.list_commitments(filters)
    with pytest.raises(InvalidQueryError):
        client.summary(filters=filters)
    assert transport.requests == []


def test_as_of_is_a_date_or_an_iso_date_string_everywhere(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    day = datetime.now(UTC).date()
    assert client.get_commitment(REF, as_of=day.isoformat()) == client.get_commitment(
        REF, as_of=day
    )
    assert transport.requests[-1].url.params["as_of"] == day.isoformat()
    assert transport.requests[-2].url.params["as_of"] == day.isoformat()
    assert client.deadlines(as_of=day.isoformat()) == client.deadlines(as_of=day)
    sent = len(transport.requests)
    for bad in ("2026-13-01", "yesterday", "2026-01-01T00:00:00Z&x=1"):
        with pytest.raises(InvalidQueryError, match="as_of"):
            client.get_commitment(REF, as_of=bad)
        with pytest.raises(InvalidQueryError, match="as_of"):
            client.overdue(as_of=bad)
    assert len(transport.requests) == sent


def answering(status: int, content: bytes, content_type: str) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(
            status, content=content, headers={"Content-Type": content_type}
        )
    )


PROXY_PAGE = b"<html><body>Sign in to the corporate proxy</body></html>" * 20


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PROXY_PAGE, "text/html"),
        (b'{"unexpected": true}', "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe not utf-8", "application/octet-stream"),
    ],
)
def test_an_answer_that_is_not_the_apis_is_an_unexpected_response(
    retrying_client: RetryingClients, content: bytes, content_type: str
) -> None:
    client, delays = retrying_client(answering(200, content, content_type))
    for call in (client.me, client.list_commitments, lambda: client.get_commitment(REF)):
        with pytest.raises(UnexpectedResponseError) as unexpected:
            call()
        assert unexpected.value.status == 200
        assert unexpected.value.content_type == content_type
        assert len(unexpected.value.body) <= 500
        assert unexpected.value.body == content[:500].decode("utf-8", "replace")
    with pytest.raises(UnexpectedResponseError):
        list(client.iter_commitments())
    assert delays == []


def test_the_async_client_encodes_paths_and_reports_unexpected_answers(app: FastAPI) -> None:
    seen: list[httpx.Request] = []

    def html(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=PROXY_PAGE, headers={"Content-Type": "text/html"})

    async def scenario() -> None:
        async with AsyncCommitmentsClient(
            "http://testserver", TOKENS["us-editor"], transport=httpx.MockTransport(html)
        ) as client:
            with pytest.raises(UnexpectedResponseError):
                await client.history("../../me")
            with pytest.raises(InvalidRequestError):
                await client.create_commitment({"titel": "x"})
            with pytest.raises(InvalidQueryError):
                await client.get_commitment(REF, as_of="2026-13-01")

    asyncio.run(scenario())
    assert [request.url.raw_path for request in seen] == [
        b"/api/v1/commitments/..%2F..%2Fme/history"
    ]
