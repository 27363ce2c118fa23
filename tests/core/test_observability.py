"""Request ids, the request log line and the log formats."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TOKENS, bearer
from tests.live_server import live_server


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "app.requests"]


def test_a_callers_request_id_comes_back_and_a_missing_one_is_made(client: TestClient) -> None:
    given = client.get("/api/v1/commitments", headers={"X-Request-ID": "ci-run-42.7"})
    assert given.headers["x-request-id"] == "ci-run-42.7"
    made = client.get("/api/v1/commitments").headers["x-request-id"]
    other = client.get("/api/v1/commitments").headers["x-request-id"]
    assert len(made) == 32
    assert made != other


@pytest.mark.parametrize(
    "forged", [b"two words", b"x" * 129, "line\u2028break".encode(), b"id;drop", b""]
)
def test_an_unfit_request_id_is_replaced(client: TestClient, forged: bytes) -> None:
    answered = client.get("/healthz", headers={"X-Request-ID": forged})
    assert answered.headers["x-request-id"].encode() != forged
    assert len(answered.headers["x-request-id"]) == 32


def test_refusals_carry_the_request_id_too(anonymous: TestClient) -> None:
    refused = anonymous.get("/api/v1/commitments", headers={"X-Request-ID": "r1"})
    assert refused.status_code == 401
    assert refused.headers["x-request-id"] == "r1"
    too_large = anonymous.post(
        "/api/v1/commitments", content=b"x" * 2_000_000, headers={"X-Request-ID": "r2"}
    )
    assert too_large.status_code == 413
    assert too_large.headers["x-request-id"] == "r2"


def test_each_request_is_one_line_with_who_what_and_how_long(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    feed = client.post("/api/v1/me/calendar-token").json()["token"]["token"]
    with caplog.at_level(logging.INFO, logger="app.requests"):
        client.get("/api/v1/commitments?limit=2", headers={"X-Request-ID": "abc"})
        client.get(f"/api/v1/calendar.ics?token={feed}")
        client.get("/api/v1/nowhere%0aFORGED 200")
    listed, calendar, missing = request_lines(caplog)
    assert listed.request_id == "abc"
    assert (listed.method, listed.path, listed.status) == ("GET", "/api/v1/commitments", 200)
    assert listed.user == "admin"
    assert listed.duration_ms > 0
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert feed not in text
    assert TOKENS["admin"] not in text
    assert calendar.getMessage().startswith("GET /api/v1/calendar.ics 200")
    assert "\n" not in missing.getMessage()
    assert "\\x0aFORGED" in missing.getMessage()


def test_an_answer_from_memory_is_logged_as_fully_as_any_other(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/api/v1/commitments?limit=2")  # kept, and the token's use recorded
    with caplog.at_level(logging.INFO, logger="app.requests"):
        again = client.get("/api/v1/commitments?limit=2", headers={"X-Request-ID": "again"})
    assert again.headers["x-request-id"] == "again"
    (line,) = request_lines(caplog)
    assert (line.request_id, line.path, line.status, line.user) == (
        "again",
        "/api/v1/commitments",
        200,
        "admin",
    )


def test_an_anonymous_request_is_logged_without_a_user(
    anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.requests"):
        anonymous.get("/api/v1/commitments", headers={"Authorization": "Bearer ac_forged"})
    (line,) = request_lines(caplog)
    assert line.user is None
    assert line.status == 401


def served_lines(database_url: str, log_format: str) -> list[str]:
    with live_server(database_url, COMMITMENTS_LOG_FORMAT=log_format) as (url, process):
        import httpx

        httpx.get(
            f"{url}/api/v1/commitments", headers={**bearer("us-viewer"), "X-Request-ID": "r-9"}
        )
    return process.output().splitlines()


def test_json_logs_are_one_object_a_line_with_the_request_fields(database_url: str) -> None:
    lines = served_lines(database_url, "json")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, lines
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    (request,) = [r for r in records if r.get("request_id") == "r-9"]
    assert request["logger"] == "app.requests"
    assert request["user"] == "us-viewer"
    assert (request["method"], request["path"], request["status"]) == (
        "GET",
        "/api/v1/commitments",
        200,
    )
    assert request["timestamp"].endswith("+00:00")
    assert TOKENS["us-viewer"] not in "\n".join(lines)
    assert not any("color_message" in r for r in records)


def test_text_logs_stay_readable_with_the_request_id(database_url: str) -> None:
    lines = served_lines(database_url, "text")
    (request,) = [line for line in lines if "app.requests" in line]
    assert "[r-9] GET /api/v1/commitments 200" in request
    assert request[:4].isdigit()
    assert "Z " in request


def test_probes_and_scrapes_are_logged_only_at_debug(
    anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.requests"):
        anonymous.get("/healthz")
        anonymous.get("/readyz")
        anonymous.get("/api/v1/parties")
    assert [record.path for record in request_lines(caplog)] == ["/api/v1/parties"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="app.requests"):
        anonymous.get("/healthz")
    (probe,) = request_lines(caplog)
    assert probe.levelno == logging.DEBUG
