from fastapi.testclient import TestClient

from tests.seed_data import seed_files


def test_lists_the_source_documents_with_their_commitment_counts(client: TestClient) -> None:
    items = client.get("/api/v1/documents").json()["items"]
    expected = {
        f.document.slug: len([c for c in f.commitments if c.archived_because is None])
        for f in seed_files().documents
    }
    assert {item["slug"]: item["commitment_count"] for item in items} == expected
    issued = [item["issued_on"] for item in items]
    assert issued == sorted(issued)


def test_a_document_shows_its_metadata_and_commitments(client: TestClient) -> None:
    file = next(f for f in seed_files().documents if f.document.slug.startswith("scm56"))
    body = client.get(f"/api/v1/documents/{file.document.slug}").json()
    assert body["title"].startswith("한미 외교+국방(2+2)")
    assert body["kind"] == "compilation"
    assert body["sha256"] == file.document.sha256
    listed = sorted(c.ref for c in file.commitments if c.archived_because is None)
    assert [c["ref"] for c in body["commitments"]] == listed


def test_unknown_document_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/documents/no-such-document")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_seeded_statements_are_published_with_their_issuing_parties_and_meeting(
    as_user,
) -> None:
    files = {f.document.slug: f.document for f in seed_files().documents}
    items = as_user("jp-editor").get("/api/v1/documents").json()["items"]
    assert {item["slug"] for item in items} == set(files)
    for item in items:
        seed = files[item["slug"]]
        assert item["access"] == "public"
        assert item["parties"] == sorted(seed.parties)
        assert item["meeting"] == seed.meeting
        assert item["text_format"] is None
