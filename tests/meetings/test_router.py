from fastapi.testclient import TestClient


def test_lists_the_scms_including_the_one_without_a_date(client: TestClient) -> None:
    items = client.get("/api/v1/meetings").json()["items"]
    scms = {i["key"]: i for i in items if i["series"] == "SCM"}
    assert set(scms) >= {"SCM-54", "SCM-55", "SCM-56", "SCM-57", "SCM-58"}
    assert scms["SCM-57"]["held_on"] == "2025-11-04"
    assert scms["SCM-57"]["place"] == "Seoul"
    assert scms["SCM-58"]["held_on"] is None


def test_one_meeting_by_key_case_insensitively(client: TestClient) -> None:
    assert client.get("/api/v1/meetings/scm-56").json()["held_on"] == "2024-10-30"
    assert client.get("/api/v1/meetings/SCM-99").status_code == 404
