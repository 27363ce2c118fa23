"""The list's filters."""

from fastapi.testclient import TestClient


def total(client: TestClient, **params: object) -> int:
    listed = client.get("/api/v1/commitments", params={**params, "total": True})
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def test_overdue_and_not_overdue_split_the_register(client: TestClient) -> None:
    undated = client.post("/api/v1/commitments", json={"title": "Undated", "parties": ["US"]})
    assert undated.status_code == 201, undated.text
    assert total(client, overdue=True) + total(client, overdue=False) == total(client)
    not_overdue = client.get("/api/v1/commitments", params={"overdue": False, "limit": 200})
    assert undated.json()["ref"] in {item["ref"] for item in not_overdue.json()["items"]}
