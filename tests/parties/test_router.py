from fastapi.testclient import TestClient

from tests.factories import make_user
from tests.seed_data import seed_files


def test_lists_parties_with_their_organizations(client: TestClient) -> None:
    items = client.get("/api/v1/parties").json()["items"]
    reference = seed_files().reference
    assert [i["code"] for i in items] == sorted(p.code for p in reference.parties)
    us = next(i for i in items if i["code"] == "US")
    assert {o["name"] for o in us["organizations"]} >= {
        "U.S. Department of Defense",
        "U.S. Department of State",
        "U.S. Congress",
    }


def test_administrators_set_where_a_partys_digest_goes_and_its_language(as_user) -> None:
    admin = as_user("admin")
    changed = admin.patch("/api/v1/parties/rok", json={"digest_email": "desk@example.kr"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["digest_email"], changed.json()["language"]) == (
        "desk@example.kr",
        None,
    )
    changed = admin.patch("/api/v1/parties/ROK", json={"language": "ko"})
    assert (changed.json()["digest_email"], changed.json()["language"]) == ("desk@example.kr", "ko")
    listed = {p["code"]: p for p in admin.get("/api/v1/parties").json()["items"]}
    assert listed["ROK"]["language"] == "ko"
    assert listed["US"]["digest_email"] is None

    for body in ({"digest_email": "not an address"}, {"language": "xx"}, {"name": "Korea"}):
        assert admin.patch("/api/v1/parties/ROK", json=body).status_code == 422
    assert admin.patch("/api/v1/parties/XX", json={"language": "en"}).status_code == 404
    assert as_user("rok-editor").patch("/api/v1/parties/ROK", json={}).status_code == 403
    cleared = admin.patch("/api/v1/parties/ROK", json={"digest_email": None})
    assert cleared.json()["digest_email"] is None
    assert cleared.json()["language"] == "ko"


def test_parties_show_whether_they_are_members_or_outside(as_user) -> None:
    listed = as_user("us-viewer").get("/api/v1/parties").json()["items"]
    standing = {p["code"]: p["standing"] for p in listed}
    assert {code for code, s in standing.items() if s == "member"} == {"US", "ROK", "JP"}
    assert {"CN", "ASEAN", "UNC", "PIF"} <= {c for c, s in standing.items() if s == "outside"}
    seeded = {p.code: p.standing.value for p in seed_files().reference.parties}
    assert standing == seeded


def test_a_party_becomes_outside_only_once_it_holds_nothing(as_user) -> None:
    admin = as_user("admin")
    before = admin.get("/api/v1/parties").json()
    # Japan has users and records released to it: it stays a member.
    refused = admin.patch("/api/v1/parties/JP", json={"standing": "outside"})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "enabled user" in refused.json()["detail"]
    for body in ({"standing": None}, {"standing": "observer"}):
        assert admin.patch("/api/v1/parties/JP", json=body).status_code == 422
    assert (
        as_user("jp-editor").patch("/api/v1/parties/CN", json={"standing": "member"}).status_code
        == 403
    )
    assert admin.get("/api/v1/parties").json() == before
    # An outside party admitted holds nothing yet, and leaves again while it holds nothing.
    admitted = admin.patch("/api/v1/parties/CN", json={"standing": "member"})
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["standing"] == "member"
    user = make_user(admin, "viewer", "CN", name="cn-desk")
    assert admin.patch("/api/v1/parties/CN", json={"standing": "outside"}).status_code == 409
    assert admin.delete(f"/api/v1/users/{user.id}").status_code == 200
    left = admin.patch("/api/v1/parties/CN", json={"standing": "outside"})
    assert left.status_code == 200, left.text
    assert left.json()["standing"] == "outside"


def test_a_party_with_records_released_to_it_stays_a_member(as_user) -> None:
    admin = as_user("admin")
    users = admin.get("/api/v1/users").json()["items"]
    for user in users:
        if user["party"] == "JP":
            assert admin.delete(f"/api/v1/users/{user['id']}").status_code == 200
    refused = admin.patch("/api/v1/parties/JP", json={"standing": "outside"})
    assert refused.status_code == 409, refused.text
    assert "0 enabled user(s)" in refused.json()["detail"]


def test_a_partys_digest_address_is_for_its_own_editors_and_administrators(
    as_user, client: TestClient
) -> None:
    for code, address in (("US", "us-desk@example.gov"), ("ROK", "rok-desk@example.kr")):
        set_to = client.patch(f"/api/v1/parties/{code}", json={"digest_email": address})
        assert set_to.status_code == 200, set_to.text

    def addresses(name: str) -> dict[str, str | None]:
        items = as_user(name).get("/api/v1/parties").json()["items"]
        return {
            item["code"]: item["digest_email"] for item in items if item["code"] in ("US", "ROK")
        }

    assert addresses("admin") == {"US": "us-desk@example.gov", "ROK": "rok-desk@example.kr"}
    assert addresses("us-editor") == {"US": "us-desk@example.gov", "ROK": None}
    assert addresses("rok-editor") == {"US": None, "ROK": "rok-desk@example.kr"}
    assert addresses("jp-editor") == {"US": None, "ROK": None}
    # A viewer reads its own party's as null, as if none were set.
    assert addresses("us-viewer") == {"US": None, "ROK": None}
    assert addresses("rok-viewer") == {"US": None, "ROK": None}
    # An administrator of another party does not read it either.
    jp_admin = client.get(
        "/api/v1/parties", headers=make_user(client, "admin", "JP", name="jp-admin").headers
    )
    jp_read = {i["code"]: i["digest_email"] for i in jp_admin.json()["items"]}
    assert (jp_read["US"], jp_read["ROK"]) == (None, None)


def test_an_outside_party_gets_no_digest_address(as_user) -> None:
    admin = as_user("admin")
    before = admin.get("/api/v1/parties").json()
    refused = admin.patch("/api/v1/parties/CN", json={"digest_email": "desk@example.cn"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "outside party" in refused.json()["detail"]
    assert admin.get("/api/v1/parties").json() == before
    # Its other settings are still set.
    language = admin.patch("/api/v1/parties/CN", json={"language": "en"})
    assert language.status_code == 200, language.text
