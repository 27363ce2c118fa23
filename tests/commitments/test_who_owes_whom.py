"""Kinds, obligors (with organizations), counterparts, topics and the framework flag."""

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PartyRef, make_commitment

REQUEST: dict[str, Any] = {
    "title": "Congressional support for extended deterrence",
    "kind": "request",
    "obligors": [{"party": "ROK", "organization": "ROK-MND"}],
    "counterparts": [{"party": "US", "organization": "US-CONGRESS"}],
    "topics": ["extended-deterrence"],
}


def make_request(
    client: TestClient, *, counterparts: Sequence[PartyRef] = (("US", "US-CONGRESS"),)
) -> dict[str, Any]:
    """The request of REQUEST, made (addressed to other counterparts if told)."""
    return make_commitment(
        client,
        title=REQUEST["title"],
        kind="request",
        obligors=[("ROK", "ROK-MND")],
        counterparts=counterparts,
        topics=["extended-deterrence"],
    )


def test_a_request_names_who_asks_and_who_is_asked(client: TestClient) -> None:
    made = make_request(client)
    assert made["kind"] == "request"
    assert made["obligors"] == [{"party": "ROK", "organization": "ROK-MND"}]
    assert made["parties"] == ["ROK"]
    assert made["counterparts"] == [{"party": "US", "organization": "US-CONGRESS"}]
    assert made["topics"] == ["extended-deterrence"]
    # Naming the addressee releases nothing to it.
    assert made["releasable_to"] == ["ROK"]
    history = client.get(f"/api/v1/commitments/{made['ref']}/history").json()["items"]
    recorded = {entry["field"]: entry["new_value"] for entry in history}
    assert recorded["kind"] == "request"
    assert recorded["counterparts"] == ["US"]
    assert recorded["counterpart_organizations"] == {"US": "US-CONGRESS"}
    assert recorded["obligor_organizations"] == {"ROK": "ROK-MND"}


def topic_counts(client: TestClient) -> dict[str, int]:
    return {t["slug"]: t["commitment_count"] for t in client.get("/api/v1/topics").json()["items"]}


def test_a_counterpart_gains_no_access(client: TestClient, as_user) -> None:
    japan = as_user("jp-editor")
    before = topic_counts(client), topic_counts(japan)
    made = make_request(client, counterparts=["JP"])
    assert japan.get(f"/api/v1/commitments/{made['ref']}").status_code == 404
    listed = japan.get("/api/v1/commitments", params={"counterpart": "JP"}).json()
    assert made["ref"] not in [item["ref"] for item in listed["items"]]
    topic = "extended-deterrence"
    assert topic_counts(client)[topic] == before[0][topic] + 1
    assert topic_counts(japan)[topic] == before[1][topic]


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"counterparts": []}, "A request needs the counterparts"),
        (
            {"kind": "pledge", "obligors": [{"party": "ROK"}, {"party": "JP"}]},
            "one obligor",
        ),
        ({"kind": "joint_undertaking"}, "two obligors"),
        ({"counterparts": [{"party": "ROK"}]}, "both obligor and counterpart"),
        ({"obligors": [{"party": "ROK", "organization": "US-DOD"}]}, "organization of US"),
        ({"obligors": [{"party": "ROK", "organization": "NOWHERE"}]}, "Unknown organization"),
        ({"topics": ["no-such-topic"]}, "Unknown topic"),
        ({"parties": ["ROK"]}, "once"),
    ],
)
def test_who_owes_what_must_fit_the_kind(client: TestClient, change: dict, detail: str) -> None:
    before = client.get("/api/v1/commitments", params={"total": "true"}).json()["total"]
    refused = client.post("/api/v1/commitments", json=REQUEST | change)
    assert refused.status_code == 422, refused.text
    assert detail in refused.text
    assert client.get("/api/v1/commitments", params={"total": "true"}).json()["total"] == before


def test_the_kind_follows_the_obligors_unless_it_says_more(client: TestClient) -> None:
    pledge = make_commitment(client, title="One side", parties=["US"])
    assert pledge["kind"] == "pledge"
    ref = pledge["ref"]
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    joint = client.patch(
        f"/api/v1/commitments/{ref}", json={"parties": ["ROK", "US"]}, headers={"If-Match": etag}
    )
    assert joint.json()["kind"] == "joint_undertaking"
    request = make_request(client)
    etag = client.get(f"/api/v1/commitments/{request['ref']}").headers["etag"]
    widened = client.patch(
        f"/api/v1/commitments/{request['ref']}",
        json={"parties": ["ROK", "US"], "counterparts": [{"party": "JP"}]},
        headers={"If-Match": etag},
    )
    assert widened.json()["kind"] == "request"
    # Obligor organizations of the parties that stay are kept.
    assert {"party": "ROK", "organization": "ROK-MND"} in widened.json()["obligors"]


def test_filters_and_exports_carry_the_model(client: TestClient) -> None:
    made = make_request(client)
    for params in (
        {"kind": "request"},
        {"obligor": "ROK", "kind": "request"},
        {"counterpart": "US"},
        {"topic": "extended-deterrence"},
    ):
        refs = [i["ref"] for i in client.get("/api/v1/commitments", params=params).json()["items"]]
        assert made["ref"] in refs, params
    assert made["ref"] not in [
        i["ref"]
        for i in client.get("/api/v1/commitments", params={"kind": "pledge"}).json()["items"]
    ]
    exported = client.get("/api/v1/commitments", params={"format": "csv", "kind": "request"})
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    (row,) = [r for r in rows if r["ref"] == made["ref"]]
    assert row["kind"] == "request"
    assert row["counterparts"] == "US (US-CONGRESS)"
    assert row["obligors"] == "ROK (ROK-MND)"


def test_framework_areas_reach_older_commitments_only_when_flagged(client: TestClient) -> None:
    older: dict[str, Any] = {
        "title": "An older statement under the new framework",
        "parties": ["ROK", "US"],
        "document": "dod-2024-07-28-defense-ministerial",
        "areas": ["maritime-security"],
    }
    refused = client.post("/api/v1/commitments", json=older)
    assert refused.status_code == 422
    assert "brought_under_framework" in refused.json()["detail"]
    placed = make_commitment(
        client,
        title=older["title"],
        parties=older["parties"],
        document=older["document"],
        areas=older["areas"],
        brought_under_framework=True,
    )
    assert placed["brought_under_framework"] is True
    etag = client.get(f"/api/v1/commitments/{placed['ref']}").headers["etag"]
    unflag = client.patch(
        f"/api/v1/commitments/{placed['ref']}",
        json={"brought_under_framework": False},
        headers={"If-Match": etag},
    )
    assert unflag.status_code == 422
    same_day = make_commitment(
        client,
        title="Under the framework",
        parties=older["parties"],
        document="scm56-2plus2-fact-sheet-and-rcf",
        areas=older["areas"],
    )
    assert same_day["brought_under_framework"] is False


def test_the_seeded_register_releases_only_to_member_obligors(client: TestClient) -> None:
    parties = client.get("/api/v1/parties").json()["items"]
    members = {p["code"] for p in parties if p["standing"] == "member"}
    page = client.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
    for item in page:
        obligors = {ref["party"] for ref in item["obligors"]}
        counterparts = {ref["party"] for ref in item["counterparts"]}
        assert obligors & members <= set(item["releasable_to"]) <= members, item["ref"]
        assert not counterparts & obligors, item["ref"]
