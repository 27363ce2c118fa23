"""/metrics: what an operator's Prometheus reads, and nobody else."""

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.main import create_app
from tests.conftest import SEEDS_DIR, bearer
from tests.live_server import live_server


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def metrics_token(client: TestClient, holder: TestClient | None = None) -> str:
    """A metrics token the administrator (`client`) issues to `holder`'s user, or to itself."""
    user = (holder or client).get("/api/v1/me").json()
    issued = client.post(
        f"/api/v1/users/{user['id']}/tokens", json={"scope": "metrics", "label": "prometheus"}
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["token_info"]["scope"] == "metrics"
    return str(issued.json()["token"])


def test_requests_are_counted_by_route_template_not_by_reference(client: TestClient) -> None:
    token = metrics_token(client)
    ref = client.get("/api/v1/commitments?limit=1").json()["items"][0]["ref"]
    for _ in range(3):
        assert client.get(f"/api/v1/commitments/{ref}").status_code == 200
    client.get("/api/v1/commitments/AC-0000-0000")
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    values = samples(scraped.text)
    route = ("route", "/api/v1/commitments/{ref}")
    ok = frozenset({("method", "GET"), route, ("status", "200")})
    missing = frozenset({("method", "GET"), route, ("status", "404")})
    assert values[("commitments_http_requests_total", ok)] == 3
    assert values[("commitments_http_requests_total", missing)] == 1
    assert ref not in scraped.text
    timed = frozenset({("method", "GET"), route})
    assert values[("commitments_http_request_duration_seconds_count", timed)] == 4


def test_the_overdue_gauge_counts_the_whole_register(client: TestClient) -> None:
    token = metrics_token(client)
    report = client.get("/api/v1/reports/overdue").json()
    values = samples(client.get("/metrics", headers=bearer_of(token)).text)
    assert values[("commitments_overdue_items", frozenset())] == report["total"]


def bearer_of(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_only_a_metrics_token_reads_them_and_it_reads_nothing_else(
    client: TestClient, anonymous: TestClient
) -> None:
    token = metrics_token(client)
    assert anonymous.get("/metrics").status_code == 401
    for user in ("admin", "us-viewer", "rok-editor"):
        refused = anonymous.get("/metrics", headers=bearer(user))
        assert refused.status_code == 401, user
        assert refused.headers["content-type"] == "application/problem+json"
    assert anonymous.get("/api/v1/commitments", headers=bearer_of(token)).status_code == 401
    assert anonymous.get("/api/v1/me", headers=bearer_of(token)).status_code == 401


def test_calendar_scope_is_not_issued_here(client: TestClient) -> None:
    admin = client.get("/api/v1/me").json()
    refused = client.post(f"/api/v1/users/{admin['id']}/tokens", json={"scope": "calendar"})
    assert refused.status_code == 422


@pytest.mark.parametrize(("mode", "status"), [("off", 404), ("open", 200)])
def test_metrics_can_be_switched_off_or_opened(database_url: str, mode: str, status: int) -> None:
    settings = Settings(database_url=database_url, seeds_dir=SEEDS_DIR, metrics=mode)
    with TestClient(create_app(settings)) as anonymous:
        assert anonymous.get("/metrics").status_code == status


def test_two_workers_count_together(database_url: str) -> None:
    listed = frozenset({("method", "GET"), ("route", "/api/v1/commitments"), ("status", "200")})
    with live_server(database_url, workers=2, COMMITMENTS_METRICS="open") as (url, _):
        # A connection each, so that the kernel spreads them over both workers.
        for _ in range(30):
            answered = httpx.get(f"{url}/api/v1/commitments?limit=1", headers=bearer("us-viewer"))
            assert answered.status_code == 200
        scrapers = set()
        for _ in range(8):
            text = httpx.get(f"{url}/metrics").text
            # Whichever worker answers the scrape, it reports both workers' requests.
            assert samples(text)[("commitments_http_requests_total", listed)] == 30
            scrapers |= set(re.findall(r'commitments_db_pool_size\{pid="(\d+)"', text))
    assert scrapers


def test_a_partys_metrics_token_counts_only_what_the_party_may_see(
    as_user, client: TestClient
) -> None:
    us_token = metrics_token(client, as_user("us-editor"))
    admin_token = metrics_token(client)

    def overdue(token: str) -> float:
        scraped = client.get("/metrics", headers=bearer_of(token))
        assert scraped.status_code == 200, scraped.text
        return samples(scraped.text)[("commitments_overdue_items", frozenset())]

    us_before, all_before = overdue(us_token), overdue(admin_token)
    assert us_before == as_user("us-viewer").get("/api/v1/reports/overdue").json()["total"]
    hidden = as_user("jp-editor").post(
        "/api/v1/commitments",
        json={"title": "A JP-only overdue commitment", "parties": ["JP"], "due_date": "2024-01-31"},
    )
    assert hidden.status_code == 201, hidden.text
    assert overdue(admin_token) == all_before + 1
    assert overdue(us_token) == us_before


def test_a_partys_metrics_token_reads_nothing_that_counts_hidden_writes(
    as_user, client: TestClient
) -> None:
    us_token = metrics_token(client, as_user("us-editor"))
    admin_token = metrics_token(client)
    before = client.get("/metrics", headers=bearer_of(us_token)).text
    written = as_user("jp-editor").post(
        "/api/v1/commitments", json={"title": "A JP-only plan", "parties": ["JP"]}
    )
    assert written.status_code == 201, written.text
    assert client.get("/metrics", headers=bearer_of(us_token)).text == before
    # Monitoring's token, of no party, still reads the requests by route.
    monitored = samples(client.get("/metrics", headers=bearer_of(admin_token)).text)
    assert any(name == "commitments_http_requests_total" for name, _ in monitored)
