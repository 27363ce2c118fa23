import pytest
from fastapi.testclient import TestClient

from tests.factories import make_commitment, make_contact

PROBLEM = "application/problem+json"


def test_no_contacts_until_desk_officers_add_them(client: TestClient) -> None:
    assert client.get("/api/v1/contacts").json() == {"items": []}
    assert client.get("/api/v1/contacts/1").status_code == 404
    assert client.get("/api/v1/contacts/0").status_code == 422


def test_create_read_update_archive(as_user) -> None:
    editor = as_user("rok-editor")
    created = editor.post(
        "/api/v1/contacts",
        json={
            "name": "박지훈",
            "party": "ROK",
            "organization": "ROK-MND",
            "position": "Director",
            "email": "desk@mnd.example",
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert (contact["name"], contact["organization"], contact["version"]) == (
        "박지훈",
        "ROK-MND",
        1,
    )
    url = f"/api/v1/contacts/{contact['id']}"
    assert editor.get(url).json() == contact
    assert editor.patch(url, json={"position": "Deputy Director"}).status_code == 428
    updated = editor.patch(url, json={"position": "Deputy Director"}, headers={"If-Match": '"1"'})
    assert updated.json()["position"] == "Deputy Director"
    assert updated.headers["etag"].startswith('"2.')
    assert editor.patch(url, json={"email": None}, headers={"If-Match": '"1"'}).status_code == 412
    assert editor.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert editor.get(url).status_code == 404


def test_editors_manage_only_their_own_sides_contacts(as_user, client: TestClient) -> None:
    rok = as_user("rok-editor").post(
        "/api/v1/contacts", json={"name": "MND desk", "party": "ROK", "kind": "office"}
    )
    url = f"/api/v1/contacts/{rok.json()['id']}"
    us_editor = as_user("us-editor")
    assert us_editor.post("/api/v1/contacts", json={"name": "x", "party": "ROK"}).status_code == 403
    assert us_editor.patch(url, json={"name": "y"}, headers={"If-Match": '"1"'}).status_code == 403
    assert (
        as_user("us-viewer").post("/api/v1/contacts", json={"name": "x", "party": "US"}).status_code
        == 403
    )
    assert (
        client.patch(url, json={"name": "MND policy desk"}, headers={"If-Match": '"1"'}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "party": "US", "email": "not-an-email"},
        {"name": "x", "party": "US", "organization": "ROK-MND"},
        {"name": "x", "party": "US", "kind": "robot"},
        {"name": "", "party": "US"},
        {"name": "x", "party": "ZZ"},
        {"name": "x", "party": "US", "phone": "123"},
    ],
)
def test_invalid_contacts_are_422(client: TestClient, body: dict) -> None:
    response = client.post("/api/v1/contacts", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/contacts").json() == {"items": []}


def test_a_contact_leading_open_work_cannot_be_archived(client: TestClient) -> None:
    contact = make_contact(client, name="OSD desk", party="US")
    ref = make_commitment(client, parties=["US", "ROK"])["ref"]
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    client.patch(
        f"/api/v1/commitments/{ref}",
        json={"leads": [{"party": "US", "contact_id": contact}]},
        headers={"If-Match": etag},
    )
    refused = client.delete(f"/api/v1/contacts/{contact}", headers={"If-Match": '"1"'})
    assert refused.status_code == 409
    assert refused.json()["commitments"] == [ref]


def test_archived_commitments_neither_block_nor_get_named(as_user, client: TestClient) -> None:
    editor = as_user("us-editor")
    contact = editor.post("/api/v1/contacts", json={"name": "J5 desk", "party": "US"}).json()
    refs = []
    for title in ("Led, then archived", "Led and live"):
        made = editor.post(
            "/api/v1/commitments",
            json={
                "title": title,
                "parties": ["US"],
                "leads": [{"party": "US", "contact_id": contact["id"]}],
            },
        )
        assert made.status_code == 201, made.text
        refs.append(made.json()["ref"])
    archived, live = refs
    assert (
        client.delete(f"/api/v1/commitments/{archived}", headers={"If-Match": '"1"'}).status_code
        == 200
    )
    refused = editor.delete(f"/api/v1/contacts/{contact['id']}", headers={"If-Match": '"1"'})
    assert refused.status_code == 409
    assert refused.json()["commitments"] == [live]
    etag = editor.get(f"/api/v1/commitments/{live}").headers["etag"]
    editor.patch(f"/api/v1/commitments/{live}", json={"leads": []}, headers={"If-Match": etag})
    archived_contact = editor.delete(
        f"/api/v1/contacts/{contact['id']}", headers={"If-Match": '"1"'}
    )
    assert archived_contact.status_code == 204, archived_contact.text
