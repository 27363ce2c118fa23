from datetime import date, timedelta

from fastapi.testclient import TestClient

from app.core.time import today
from tests.factories import make_commitment, make_contact


def test_admin_names_area_leads_and_the_area_shows_its_progress(
    client: TestClient, as_user
) -> None:
    us = make_contact(client, name="INDOPACOM J5", party="US", kind="office")
    rok = make_contact(client, name="MND Int'l Policy", party="ROK", kind="office")
    leads = [{"party": "US", "contact_id": us}, {"party": "ROK", "contact_id": rok}]
    assert (
        as_user("us-editor")
        .put("/api/v1/areas/regional-security-cooperation/leads", json={"leads": leads})
        .status_code
        == 403
    )
    response = client.put(
        "/api/v1/areas/regional-security-cooperation/leads", json={"leads": leads}
    )
    assert response.status_code == 200, response.text
    area = as_user("rok-viewer").get("/api/v1/areas/regional-security-cooperation").json()
    assert [(lead["party"], lead["contact"]["name"]) for lead in area["leads"]] == [
        ("ROK", "MND Int'l Policy"),
        ("US", "INDOPACOM J5"),
    ]
    commitments = client.get(
        "/api/v1/commitments", params={"area": "regional-security-cooperation", "limit": 200}
    ).json()["items"]
    assert sum(area["status_counts"].values()) == len(commitments) == area["commitment_count"]
    open_statuses = {"not_started", "in_progress", "at_risk", "blocked"}
    day = today()
    expected_overdue = [
        c
        for c in commitments
        if c["status"] in open_statuses
        and c["due_date"]
        and date.fromisoformat(c["due_date"]) < day
    ]
    assert area["overdue"] == len(expected_overdue) > 0
    upcoming = [
        c
        for c in commitments
        if c["status"] in open_statuses
        and c["due_date"]
        and day <= date.fromisoformat(c["due_date"]) <= day + timedelta(days=30)
    ]
    assert area["due_soon"] == len(upcoming)


def test_next_due_lists_the_upcoming_open_commitments_in_order(client: TestClient) -> None:
    soon = (today() + timedelta(days=10)).isoformat()
    later = (today() + timedelta(days=100)).isoformat()
    for due in (later, soon):
        make_commitment(client, title=f"due {due}", areas=["capacity-building"], due_date=due)
    area = client.get("/api/v1/areas/capacity-building").json()
    assert [item["due_date"] for item in area["next_due"]] == [soon, later]
    assert area["due_soon"] == 1


def test_area_leads_must_be_on_their_partys_side(client: TestClient) -> None:
    us = make_contact(client, name="OSD", party="US")
    response = client.put(
        "/api/v1/areas/maritime-security/leads",
        json={"leads": [{"party": "ROK", "contact_id": us}]},
    )
    assert response.status_code == 422
    assert client.get("/api/v1/areas/maritime-security").json()["leads"] == []
