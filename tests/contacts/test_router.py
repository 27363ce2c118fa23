from fastapi.testclient import TestClient


def test_no_contacts_until_desk_officers_add_them(client: TestClient) -> None:
    assert client.get("/api/v1/contacts").json() == {"items": []}
    assert client.get("/api/v1/contacts/1").status_code == 404
    assert client.get("/api/v1/contacts/0").status_code == 422
