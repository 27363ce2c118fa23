"""The overdue report, streamed a slice at a time: the same document whatever the slice size,
with an entity tag that is the hash of the body sent."""

from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.client import CommitmentsClient
from app.core import sessions
from app.core.time import today
from app.reports import service
from app.reports.models import OverdueReport
from tests.conftest import TOKENS

PATH = "/api/v1/reports/overdue"


def overdue_commitment(client: TestClient, parties: list[str], days_late: int) -> str:
    due = (today() - timedelta(days=days_late)).isoformat()
    created = client.post(
        "/api/v1/commitments",
        json={"title": f"Late by {days_late} days", "parties": parties, "due_date": due},
    )
    assert created.status_code == 201, created.text
    ref: str = created.json()["ref"]
    return ref


def test_the_document_does_not_depend_on_the_slice_size(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for days_late in (3, 40, 7, 400, 1):
        overdue_commitment(client, ["US", "ROK"], days_late)
    whole = client.get(PATH).json()
    monkeypatch.setattr(service, "OVERDUE_SLICE", 2)
    sliced = client.get(PATH)
    assert sliced.json() == whole
    report = OverdueReport.model_validate_json(sliced.content)
    assert report.total >= 5
    for group in report.groups:
        assert group.count == len(group.items)
        days = [item.days_overdue or 0 for item in group.items]
        assert days == sorted(days, reverse=True)
        assert group.max_days_overdue == days[0]
    keys = [(g.party, g.lead or "") for g in report.groups]
    assert len(keys) == len(set(keys)), "a group comes once, however many slices it takes"


def test_an_empty_report_is_a_document(client: TestClient) -> None:
    report = client.get(PATH, params={"as_of": "1990-01-01"}).json()
    assert report == {"as_of": "1990-01-01", "total": 0, "groups": []}
    table = client.get(PATH, params={"as_of": "1990-01-01", "format": "csv"}).text
    assert table.splitlines() == ["party,lead,ref,cycle,title,due_date,days_overdue,link"]


def test_the_typed_client_reads_the_streamed_report(app: FastAPI, client: TestClient) -> None:
    ref = overdue_commitment(client, ["JP"], 10)
    with (
        TestClient(app) as http,
        CommitmentsClient("http://testserver", TOKENS["admin"], http=http) as typed,
    ):
        report = typed.overdue()
    japan = [g for g in report.groups if g.party == "JP"]
    assert ref in {item.ref for group in japan for item in group.items}


def test_the_csv_has_a_row_per_item_of_each_group(client: TestClient) -> None:
    overdue_commitment(client, ["US", "JP"], 12)
    report = client.get(PATH).json()
    lines = client.get(PATH, params={"format": "csv"}).text.splitlines()
    assert len(lines) - 1 == sum(group["count"] for group in report["groups"])


def test_the_tag_changes_with_the_register_the_day_and_the_reader(
    client: TestClient, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    overdue_commitment(client, ["US"], 9)
    first = client.get(PATH)
    tag = first.headers["etag"]
    again = client.get(PATH, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["etag"] == tag
    other_reader = as_user("rok-viewer").get(PATH)
    assert other_reader.content != first.content
    assert other_reader.headers["etag"] != tag
    overdue_commitment(client, ["US"], 5)
    changed = client.get(PATH, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert changed.json() != first.json()
    tomorrow = today() + timedelta(days=1)
    monkeypatch.setattr("app.core.cache.today", lambda: tomorrow)
    monkeypatch.setattr("app.reports.router.today", lambda: tomorrow)
    next_day = client.get(PATH, headers={"If-None-Match": changed.headers["etag"]})
    assert next_day.status_code == 200
    assert next_day.json()["as_of"] == tomorrow.isoformat()


def test_a_body_produced_whole_to_learn_its_tag_is_sent_as_produced(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bytes kept in memory the body goes to a temporary file: the same document, the
    same tag, and the next request streams it at once under the tag learnt."""
    for days_late in (2, 20, 200):
        overdue_commitment(client, ["US", "JP"], days_late)
    in_memory = client.get(PATH)
    monkeypatch.setattr(sessions, "SPOOLED_IN_MEMORY", 64)
    overdue_commitment(client, ["US"], 4)
    spooled = client.get(PATH)
    assert len(spooled.content) > 64
    assert spooled.json()["total"] == in_memory.json()["total"] + 1
    streamed = client.get(PATH)
    assert streamed.content == spooled.content
    assert streamed.headers["etag"] == spooled.headers["etag"] != in_memory.headers["etag"]


def test_a_party_never_gets_another_partys_report_by_its_tag(client: TestClient, as_user) -> None:
    secret = overdue_commitment(as_user("us-editor"), ["US"], 30)
    us_tag = as_user("us-editor").get(PATH).headers["etag"]
    rok = as_user("rok-viewer").get(PATH, headers={"If-None-Match": us_tag})
    assert rok.status_code == 200
    assert secret not in rok.text
    assert date.fromisoformat(rok.json()["as_of"]) == today()


def test_each_item_reads_as_in_the_deadline_report(client: TestClient) -> None:
    ref = overdue_commitment(client, ["US", "ROK", "JP"], 20)
    leads = []
    for party, name in (("ROK", "합참 연락관"), ("US", "OSD Korea desk")):
        contact = client.post(
            "/api/v1/contacts", json={"name": name, "party": party, "kind": "office"}
        ).json()
        leads.append({"party": party, "contact_id": contact["id"]})
    tag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    changed = client.patch(
        f"/api/v1/commitments/{ref}", json={"leads": leads}, headers={"If-Match": tag}
    )
    assert changed.status_code == 200, changed.text
    listed = client.get("/api/v1/reports/deadlines").json()["overdue"]
    by_item = {(item["ref"], item["cycle"]): item for item in listed}
    report = client.get(PATH).json()
    seen = set()
    for group in report["groups"]:
        for item in group["items"]:
            assert item == by_item[(item["ref"], item["cycle"])]
            seen.add((item["ref"], item["cycle"]))
    assert seen == set(by_item)
    groups = {(g["party"], g["lead"]) for g in report["groups"] if ref in str(g["items"])}
    assert groups == {("US", "OSD Korea desk"), ("ROK", "합참 연락관"), ("JP", None)}
    mine = by_item[(ref, None)]
    assert mine["parties"] == ["JP", "ROK", "US"]
    assert [lead["party"] for lead in mine["leads"]] == ["ROK", "US"]
