"""The list's filters. Each has an SQL form (the list, and the reports of today) and a form for
a commitment rebuilt from the history (the reports of a past day): on the same register, the
summary as it stands and as it stood at the end of today count the same commitments, as many
as the list holds."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.commitments.filters import CommitmentFilters

LEAD = "the contact the register fixture makes lead"
# Values of each filter that some commitments of the register match and others do not.
CASES: dict[str, list[Any]] = {
    "status": [["completed"], ["in_progress", "not_started"]],
    "area": ["regional-security-cooperation", "maritime-security"],
    "party": ["JP", "us"],
    "obligor": ["CN", "ROK"],
    "counterpart": ["ASEAN", "US"],
    "kind": [["pledge"], ["request", "recurring"]],
    "topic": ["dprk", "trilateral-cooperation"],
    "lead": [LEAD],
    "document": ["kdd-2018-10-admm-plus"],
    "meeting": ["scm-56"],
    "due_before": ["2024-10-31"],
    "due_after": ["2024-10-30"],
    "q": ["cooperation", "ROK"],
    "overdue": [True, False],
    "due_within_days": [0, 30],
    "stale_days": [1, 100],
}
GROUPS = ["status", "party", "area", "lead"]


def total(client: TestClient, **params: Any) -> int:
    listed = client.get("/api/v1/commitments", params={**params, "total": True})
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def summary(client: TestClient, **params: Any) -> dict[str, Any]:
    report = client.get("/api/v1/reports/summary", params=params)
    assert report.status_code == 200, report.text
    return dict(report.json())


def make(client: TestClient, title: str, **fields: Any) -> str:
    made = client.post("/api/v1/commitments", json={"title": title, "parties": ["US"], **fields})
    assert made.status_code == 201, made.text
    return str(made.json()["ref"])


@pytest.fixture
def register(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The seeds, and what sets apart the filters measured on today: commitments overdue, due
    today and soon, made long ago and never noted, and one with a lead."""
    today = date.fromisoformat(summary(client)["as_of"])
    make(client, "Overdue", due_date=(today - timedelta(days=1)).isoformat())
    make(client, "Due today", due_date=today.isoformat())
    make(client, "Due soon", due_date=(today + timedelta(days=20)).isoformat())
    ref = make(client, "Led")
    contact = client.post("/api/v1/contacts", json={"name": "Desk lead", "party": "US"}).json()
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    led = client.patch(
        f"/api/v1/commitments/{ref}",
        json={"leads": [{"party": "US", "contact_id": contact["id"]}]},
        headers={"If-Match": etag},
    )
    assert led.status_code == 200, led.text
    long_ago = datetime.combine(today - timedelta(days=200), time(12), tzinfo=UTC)
    monkeypatch.setattr("app.commitments.creation.utcnow", lambda: long_ago)
    make(client, "Made long ago, never noted")
    monkeypatch.undo()
    return {"today": today.isoformat(), LEAD: contact["id"]}


def test_every_filter_has_cases() -> None:
    assert set(CASES) == set(CommitmentFilters.model_fields) - {"as_of"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_sql_and_past_forms_of_each_filter_agree(
    client: TestClient, register: dict[str, Any], name: str
) -> None:
    everything = total(client)
    for case in CASES[name]:
        value = register[LEAD] if case == LEAD else case
        listed = total(client, **{name: value})
        assert 0 < listed < everything, (name, value)
        for group_by in GROUPS:
            params = {"group_by": group_by, name: value}
            now = summary(client, **params)
            then = summary(client, **params, as_of=register["today"])
            assert now["totals"]["total"] == listed, (name, value, group_by)
            assert then == now, (name, value, group_by)


def test_overdue_and_not_overdue_split_the_register(client: TestClient) -> None:
    undated = client.post("/api/v1/commitments", json={"title": "Undated", "parties": ["US"]})
    assert undated.status_code == 201, undated.text
    assert total(client, overdue=True) + total(client, overdue=False) == total(client)
    not_overdue = client.get("/api/v1/commitments", params={"overdue": False, "limit": 200})
    assert undated.json()["ref"] in {item["ref"] for item in not_overdue.json()["items"]}
