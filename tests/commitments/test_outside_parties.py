"""Outside parties (China, ASEAN, the UN Command, ...) are named in commitments, as obligors or
counterparts, and are released nothing; the member parties around a record they owe keep it."""

from fastapi.testclient import TestClient

from tests.seed_data import refs_where

PROBLEM = "application/problem+json"
# A statement the ROK and the U.S. issued.
JOINT_DOCUMENT = "dod-2024-07-28-defense-ministerial"


def _create(client: TestClient, body: dict) -> dict:
    made = client.post("/api/v1/commitments", json=body)
    assert made.status_code == 201, made.text
    return made.json()


def owed_by_china() -> list[str]:
    return refs_where(lambda _slug, c: "CN" in c.obligor_parties())


def patch(client: TestClient, ref: str, body: dict):
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    return client.patch(f"/api/v1/commitments/{ref}", json=body, headers={"If-Match": etag})


def test_the_seeded_records_china_owes_are_released_to_the_rok_only(
    client: TestClient, as_user
) -> None:
    refs = owed_by_china()
    assert len(refs) >= 2
    rok, us = as_user("rok-viewer"), as_user("us-viewer")
    for ref in refs:
        item = client.get(f"/api/v1/commitments/{ref}").json()
        assert item["releasable_to"] == ["ROK"], ref
        assert rok.get(f"/api/v1/commitments/{ref}").status_code == 200, ref
        assert us.get(f"/api/v1/commitments/{ref}").status_code == 404, ref
    listed = rok.get("/api/v1/commitments", params={"party": "CN", "limit": 200}).json()
    assert sorted(item["ref"] for item in listed["items"]) == refs


def test_nothing_is_released_to_an_outside_party(client: TestClient, as_user) -> None:
    us = as_user("us-editor")
    body = {"title": "Talks with China", "parties": ["US"], "counterparts": [{"party": "CN"}]}
    for caller in (us, client):
        refused = caller.post("/api/v1/commitments", json=body | {"releasable_to": ["CN", "US"]})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert "outside party (CN)" in refused.json()["detail"]
    made = _create(us, body)
    assert made["releasable_to"] == ["US"]
    before = client.get(f"/api/v1/commitments/{made['ref']}").json()
    for caller in (us, client):
        refused = patch(caller, made["ref"], {"releasable_to": ["ASEAN", "US"]})
        assert refused.status_code == 422, refused.text
    assert client.get(f"/api/v1/commitments/{made['ref']}").json() == before


def test_an_outside_obligor_is_not_released_to_when_it_joins(client: TestClient, as_user) -> None:
    us = as_user("us-editor")
    made = _create(us, {"title": "U.S. pledge", "parties": ["US"]})
    joined = patch(us, made["ref"], {"parties": ["CN", "US"]})
    assert joined.status_code == 200, joined.text
    assert joined.json()["releasable_to"] == ["US"]
    assert joined.json()["kind"] == "joint_undertaking"


def test_a_record_an_outside_party_owes_goes_to_the_members_around_it(
    client: TestClient, as_user
) -> None:
    made = _create(
        client,
        {
            "title": "China's call for talks",
            "obligors": [{"party": "CN"}],
            "counterparts": [{"party": "JP"}],
            "document": JOINT_DOCUMENT,
        },
    )
    # The statement's issuers and the member counterpart; never the outside obligor.
    assert made["releasable_to"] == ["JP", "ROK", "US"]
    for name in ("us-viewer", "rok-viewer", "jp-editor"):
        assert as_user(name).get(f"/api/v1/commitments/{made['ref']}").status_code == 200, name
    # With no member around it, it is released to no one: refused.
    alone = client.post(
        "/api/v1/commitments",
        json={"title": "China alone", "obligors": [{"party": "CN"}]},
    )
    assert alone.status_code == 422, alone.text
    assert "one member party at least" in alone.json()["detail"]


def test_a_member_editor_takes_an_outside_party_off_a_record(client: TestClient, as_user) -> None:
    rok, us = as_user("rok-editor"), as_user("us-editor")
    made = _create(
        us,
        {
            "title": "Trilateral talks",
            "parties": ["CN", "ROK", "US"],
            "counterparts": [{"party": "ASEAN"}],
        },
    )
    assert made["releasable_to"] == ["ROK", "US"]
    cut = patch(rok, made["ref"], {"parties": ["ROK", "US"], "counterparts": []})
    assert cut.status_code == 200, cut.text
    assert (cut.json()["parties"], cut.json()["counterparts"]) == (["ROK", "US"], [])
    # A member party stays protected: only an administrator takes it off.
    ally = patch(rok, made["ref"], {"parties": ["ROK"]})
    assert ally.status_code == 403, ally.text
    # The seeded ROK-China records: the ROK's editor takes China off.
    seeded = next(
        ref
        for ref in owed_by_china()
        if client.get(f"/api/v1/commitments/{ref}").json()["parties"] == ["CN", "ROK"]
    )
    cut = patch(rok, seeded, {"parties": ["ROK"]})
    assert cut.status_code == 200, cut.text
    assert (cut.json()["parties"], cut.json()["kind"]) == (["ROK"], "pledge")


def test_the_members_it_is_released_to_keep_a_record_only_outside_parties_owe(
    client: TestClient, as_user
) -> None:
    ref = next(
        ref
        for ref in owed_by_china()
        if client.get(f"/api/v1/commitments/{ref}").json()["parties"] == ["CN"]
    )
    rok, us = as_user("rok-editor"), as_user("us-editor")
    noted = rok.post(f"/api/v1/commitments/{ref}/updates", json={"text": "Talks held in Seoul."})
    assert noted.status_code == 201, noted.text
    assert patch(rok, ref, {"title": "China's call, followed up"}).status_code == 200
    assert us.post(f"/api/v1/commitments/{ref}/updates", json={"text": "x"}).status_code == 404
    assert (
        as_user("rok-viewer")
        .post(f"/api/v1/commitments/{ref}/updates", json={"text": "x"})
        .status_code
        == 403
    )
