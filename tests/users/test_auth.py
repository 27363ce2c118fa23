"""Authentication comes before validation: a caller without a valid token learns nothing of
what an endpoint takes (its body, query or headers), on every endpoint that needs a token."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

NO_TOKEN: dict[str, str] = {}
BAD_TOKEN = {"Authorization": "Bearer ac_" + "x" * 43}


@pytest.fixture
def lenient_app(settings: Settings) -> FastAPI:
    """Failed attempts are limited per address: this test makes more than the default allows."""
    return create_app(settings.model_copy(update={"auth_failures_per_minute": 100_000}))


@pytest.fixture
def stranger(lenient_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(lenient_app) as client:
        yield client


def protected_operations(app: FastAPI) -> Iterator[tuple[str, str]]:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                yield method.upper(), re.sub(r"{[^}]+}", "0", path)


def assert_unauthorized(answer, where: object) -> None:
    assert answer.status_code == 401, (where, answer.status_code, answer.text)
    assert answer.headers["content-type"] == "application/problem+json", where
    assert answer.headers["www-authenticate"] == "Bearer", where


@pytest.mark.parametrize("credentials", [NO_TOKEN, BAD_TOKEN], ids=["no token", "bad token"])
def test_every_protected_operation_answers_401_before_refusing_what_it_was_sent(
    stranger: TestClient, lenient_app: FastAPI, credentials: dict[str, str]
) -> None:
    operations = list(protected_operations(lenient_app))
    assert len(operations) > 40
    malformed = [
        {"params": {"zzz": "1"}},
        {"params": [("limit", "1"), ("limit", "2")]},
        {"headers": {"If-None-Match": '"' + "x" * 300 + '"'}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"unexpected": ["field"] * 3}},
        {"content": b"\x00\x01", "headers": {"Content-Type": "application/zip"}},
    ]
    for method, url in operations:
        for request in malformed:
            headers = {**request.get("headers", {}), **credentials}
            answer = stranger.request(method, url, **{**request, "headers": headers})
            assert_unauthorized(answer, (method, url, request))


def test_a_statement_upload_without_a_token_is_refused_before_its_body_is_read(
    stranger: TestClient,
) -> None:
    for body in ({}, {"title": "x" * 5000}):
        assert_unauthorized(stranger.post("/api/v1/documents", json=body), body)
    text = stranger.post(
        "/api/v1/documents?kind=bogus",
        content=b"Both sides will act.",
        headers={"Content-Type": "text/plain; charset=rot13"},
    )
    assert_unauthorized(text, "text")


def test_a_calendar_token_in_the_query_is_checked_before_the_query_is_refused(
    stranger: TestClient, as_user
) -> None:
    token = as_user("rok-viewer").post("/api/v1/me/calendar-token").json()["token"]["token"]
    refused = stranger.get("/api/v1/calendar.ics", params={"token": token, "zzz": "1"})
    assert refused.status_code == 422, "a valid token: the query is refused"
    assert refused.json()["errors"][0]["loc"] == ["query", "zzz"]
    wrong = stranger.get("/api/v1/calendar.ics", params={"token": "ac_" + "y" * 43, "zzz": "1"})
    assert_unauthorized(wrong, "calendar")


def test_an_authenticated_caller_still_gets_the_refusal(as_user) -> None:
    viewer = as_user("rok-viewer")
    answer = viewer.get("/api/v1/commitments", params={"zzz": "1"})
    assert answer.status_code == 422
    upload = viewer.post(
        "/api/v1/documents", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert upload.status_code in (403, 422)
