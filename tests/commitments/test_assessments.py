"""Each obligor's delivery, assessed apart from the workflow status."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_commitment


@pytest.fixture
def ref(client: TestClient) -> str:
    """A commitment of the U.S. and the ROK."""
    return str(make_commitment(client, parties=["US", "ROK"])["ref"])


def assess(client: TestClient, ref: str, party: str, body: dict):
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    return client.put(
        f"/api/v1/commitments/{ref}/assessments/{party}", json=body, headers={"If-Match": etag}
    )


def test_one_side_delivered_and_the_other_not(as_user, ref: str) -> None:
    rok, us = as_user("rok-editor"), as_user("us-editor")
    status = us.get(f"/api/v1/commitments/{ref}").json()["status"]
    done = assess(
        rok,
        ref,
        "ROK",
        {
            "compliance": 1,
            "completion": "complete",
            "assessed_on": "2025-06-30",
            "evidence": "Points of contact named in the KIDD minutes",
        },
    )
    assert done.status_code == 200, done.text
    partial = assess(us, ref, "US", {"compliance": 0, "completion": "limited"})
    assert partial.status_code == 200, partial.text
    body = partial.json()
    assert [(a["party"], a["compliance"], a["completion"]) for a in body["assessments"]] == [
        ("ROK", 1, "complete"),
        ("US", 0, "limited"),
    ]
    assert body["assessments"][0]["assessed_by"] == "rok-editor"
    assert body["assessments"][0]["assessed_on"] == "2025-06-30"
    # The workflow status is a separate matter.
    assert body["status"] == status
    history = us.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    assert [e["field"] for e in history].count("assessments") == 2
    summary = us.get("/api/v1/reports/summary", params={"group_by": "assessment"}).json()
    groups = {g["key"]: g["total"] for g in summary["groups"]}
    assert groups["ROK:complete"] == 1
    assert groups["US:limited"] == 1


def test_a_reassessment_keeps_the_earlier_one_in_the_history(client: TestClient, ref: str) -> None:
    assert assess(client, ref, "US", {"completion": "limited"}).status_code == 200
    again = assess(
        client, ref, "US", {"completion": "substantial", "evidence": "Two of three named"}
    )
    assert again.json()["assessments"] == [
        {
            "party": "US",
            "compliance": None,
            "completion": "substantial",
            "assessed_on": again.json()["assessments"][0]["assessed_on"],
            "assessed_by": "admin",
            "evidence": "Two of three named",
        }
    ]
    history = client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    last = [e for e in history if e["field"] == "assessments"][-1]
    assert last["old_value"]["US"]["completion"] == "limited"


def test_assessments_are_checked(client: TestClient, as_user, ref: str) -> None:
    before = client.get(f"/api/v1/commitments/{ref}").json()
    assert assess(client, ref, "JP", {"completion": "limited"}).status_code == 422  # not an obligor
    assert assess(client, ref, "US", {}).status_code == 422
    assert assess(client, ref, "US", {"compliance": 2}).status_code == 422
    assert assess(client, ref, "US", {"completion": "mostly"}).status_code == 422
    no_etag = client.put(f"/api/v1/commitments/{ref}/assessments/US", json={"compliance": 1})
    assert no_etag.status_code == 428
    assert assess(as_user("us-viewer"), ref, "US", {"compliance": 1}).status_code == 403
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    hidden = as_user("jp-editor").put(
        f"/api/v1/commitments/{ref}/assessments/US",
        json={"compliance": 1},
        headers={"If-Match": etag},
    )
    assert hidden.status_code == 404
    assert client.get(f"/api/v1/commitments/{ref}").json() == before


def test_kinds_group_the_summary(client: TestClient) -> None:
    summary = client.get("/api/v1/reports/summary", params={"group_by": "kind"}).json()
    kinds = {g["key"]: g["total"] for g in summary["groups"]}
    assert kinds["request"] >= 6
    assert sum(kinds.values()) == summary["totals"]["total"]
    requests = client.get(
        "/api/v1/reports/summary", params={"group_by": "counterpart", "kind": "request"}
    ).json()
    assert {g["key"] for g in requests["groups"]} >= {"US", "NZ", "CN"}
