from fastapi.testclient import TestClient

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
