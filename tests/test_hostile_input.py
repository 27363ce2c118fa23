"""Hostile input: every attempt gets a 4xx problem, and the database is unchanged."""

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from tests.conftest import TOKENS

PROBLEM = "application/problem+json"
TABLES = [
    "commitment",
    "commitment_history",
    "progress_note",
    "contact",
    "commitment_party",
    "api_token",
    "user_account",
    "meeting",
    "commitment_cycle",
]
INJECTIONS = [
    "'; DROP TABLE commitment; --",
    '" OR 1=1 --',
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "%_\\",
    "{{7*7}} ${7*7}",
    "Robert'); DELETE FROM user_account;--",
]


def fingerprint(database: Database) -> dict[str, object]:
    with database.reader.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*), max(id) FROM {table}")).one()
            if table not in {"commitment_party"}
            else connection.execute(text(f"SELECT count(*) FROM {table}")).one()
            for table in TABLES
        } | {"versions": connection.execute(text("SELECT sum(version) FROM commitment")).scalar()}


@pytest.fixture
def unchanged(database: Database):
    before = fingerprint(database)
    yield
    assert fingerprint(database) == before, "hostile input changed the database"


def refused(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("tag:alliance-commitments,2026:problem/")


def test_bodies_over_the_limit(client: TestClient, unchanged) -> None:
    big = b'{"title": "' + b"x" * 1_100_000 + b'", "parties": ["US"]}'
    refused(
        client.post(
            "/api/v1/commitments", content=big, headers={"Content-Type": "application/json"}
        ),
        413,
    )

    def chunks():
        yield b'{"title": "'
        for _ in range(1200):
            yield b"x" * 1000
        yield b'", "parties": ["US"]}'

    refused(
        client.post(
            "/api/v1/commitments", content=chunks(), headers={"Content-Type": "application/json"}
        ),
        413,
    )


def test_deeply_nested_and_huge_json(client: TestClient, unchanged) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    refused(
        client.post(
            "/api/v1/commitments", content=nested, headers={"Content-Type": "application/json"}
        ),
        400,
        422,
    )
    deep_object = (
        '{"title": "x", "parties": ["US"], "description": '
        + '{"a":' * 5000
        + "1"
        + "}" * 5000
        + "}"
    )
    refused(
        client.post(
            "/api/v1/commitments", content=deep_object, headers={"Content-Type": "application/json"}
        ),
        400,
        422,
    )
    refused(
        client.post("/api/v1/commitments", json={"title": "x", "parties": ["US"] * 50_000}), 422
    )
    refused(
        client.post(
            "/api/v1/commitments", json={"title": "x", "parties": ["US"], "areas": ["a"] * 10_000}
        ),
        422,
    )


def test_invalid_utf8_and_nul_bytes(client: TestClient, unchanged) -> None:
    refused(
        client.post(
            "/api/v1/commitments",
            content=b'{"title": "\xff\xfe", "parties": ["US"]}',
            headers={"Content-Type": "application/json"},
        ),
        400,
        422,
    )
    refused(client.post("/api/v1/commitments", json={"title": "a\u0000b", "parties": ["US"]}), 422)
    refused(client.post("/api/v1/contacts", json={"name": "a\u0000b", "party": "US"}), 422)
    refused(
        client.post(
            "/api/v1/contacts", json={"name": "a", "party": "US", "email": "a\u0000@b.org"}
        ),
        422,
    )
    refused(
        client.post("/api/v1/users", json={"name": "x", "role": "admin", "token_label": "\u0000"}),
        422,
    )
    refused(client.get("/api/v1/commitments", params={"q": "a\u0000b"}), 422)
    refused(client.get("/api/v1/commitments/AB%00CD"), 404, 422)
    refused(client.post("/api/v1/commitments/SCM56-RCF-13/updates", json={"text": "\u0000"}), 422)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_are_stored_and_returned_verbatim(
    client: TestClient, database: Database, payload: str
) -> None:
    before = fingerprint(database)
    created = client.post(
        "/api/v1/commitments",
        json={
            "title": f"T {payload}",
            "description": payload,
            "parties": ["US"],
        },
    )
    assert created.status_code == 201, created.text
    body = client.get(f"/api/v1/commitments/{created.json()['ref']}").json()
    assert (body["title"], body["description"]) == (f"T {payload}", payload)
    found = client.get("/api/v1/commitments", params={"q": payload}).json()
    assert [i["ref"] for i in found["items"]] == [created.json()["ref"]]
    note = client.post(f"/api/v1/commitments/{body['ref']}/updates", json={"text": payload})
    assert note.json()["text"] == payload
    contact = client.post("/api/v1/contacts", json={"name": f"C {payload}", "party": "US"})
    assert contact.json()["name"] == f"C {payload}"
    after = fingerprint(database)
    assert after["commitment"][0] == before["commitment"][0] + 1
    assert after["user_account"] == before["user_account"]
    markdown = client.get("/api/v1/commitments", params={"format": "markdown", "q": payload}).text
    # Markdown shows the text, HTML written as entities: a reader renders none of it.
    assert "<" not in markdown
    assert payload.replace("|", "\\|") in html.unescape(markdown).replace("\\\\", "\\")


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_in_every_filter(client: TestClient, payload: str, unchanged) -> None:
    for name in (
        "status",
        "area",
        "party",
        "document",
        "meeting",
        "due_before",
        "sort",
        "cursor",
        "group_by",
    ):
        response = client.get("/api/v1/commitments", params={name: payload})
        assert response.status_code in (200, 400, 422), (name, response.status_code)
        assert response.headers["content-type"] in ("application/json", PROBLEM)
    assert client.get("/api/v1/reports/summary", params={"group_by": payload}).status_code == 422
    refused(client.get("/api/v1/reports/cycle", params={"meeting": payload}), 404, 422)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 10**20},
        {"limit": -1},
        {"limit": "many"},
        {"cursor": "x" * 5000},
        {"due_before": "99999-01-01"},
        {"due_after": "0000-00-00"},
        {"as_of": "9999-12-31"},
        {"as_of": "0001-01-01"},
        {"due_within_days": 10**9},
        {"stale_days": 0},
        {"sort": "ref; DROP TABLE commitment"},
    ],
)
def test_absurd_query_values(client: TestClient, params: dict, unchanged) -> None:
    refused(client.get("/api/v1/commitments", params=params), 400, 422)


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "2999-13-01"])
def test_absurd_days_everywhere(client: TestClient, as_of: str, unchanged) -> None:
    for path in (
        "/api/v1/commitments/SCM56-RCF-13",
        "/api/v1/reports/summary",
        "/api/v1/reports/deadlines",
        "/api/v1/reports/overdue",
        "/api/v1/calendar.ics",
    ):
        refused(client.get(path, params={"as_of": as_of}), 422)
    refused(
        client.post(
            "/api/v1/commitments", json={"title": "x", "parties": ["US"], "due_date": as_of}
        ),
        422,
    )


def test_header_injection_does_not_reach_the_response(client: TestClient) -> None:
    response = client.get(
        "/api/v1/commitments", params={"limit": 1, "q": "a\r\nSet-Cookie: pwned=1"}
    )
    assert response.status_code in (200, 422)
    assert "set-cookie" not in response.headers
    for value in response.headers.values():
        assert "\r" not in value
        assert "\n" not in value
    long_etag = client.patch(
        "/api/v1/commitments/SCM56-RCF-13", json={"title": "x"}, headers={"If-Match": '"1"' * 200}
    )
    refused(long_etag, 412, 422)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + TOKENS.get("admin", "ac_")[:-5] if TOKENS else "Bearer ac_",
        "Bearer ac_' OR '1'='1",
        "Bearer ac_%00",
        "bearer",
        "Bearer  ",
        "Token abc",
    ],
)
def test_forged_or_truncated_tokens(anonymous: TestClient, authorization: str) -> None:
    refused(anonymous.get("/api/v1/me", headers={"Authorization": authorization}), 401)
