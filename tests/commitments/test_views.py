"""Public views are rendered from plain rows straight to JSON; they must be exactly what the
published models would write."""

from fastapi.testclient import TestClient

from app.commitments.models import CommitmentPage, CommitmentPublic
from tests.commitments.test_assessments import assess
from tests.factories import make_commitment, make_contact


def _lead_and_assess(rok: TestClient) -> str:
    """A commitment of the U.S. and the ROK with a lead (with a Korean name), a supporting
    contact and an assessment: its ref."""
    lead = make_contact(rok, name="국방부 국제정책관실", party="ROK")
    helper = make_contact(rok, name="Kim Min-ji", party="ROK")
    ref = str(
        make_commitment(
            rok, parties=["US", "ROK"], leads={"ROK": lead}, supporting_contacts=[helper]
        )["ref"]
    )
    assessed = assess(rok, ref, "ROK", {"compliance": 1, "completion": "complete"})
    assert assessed.status_code == 200, assessed.text
    return ref


def _covers_every_part(items: list[dict]) -> None:
    """The page holds each kind of nested value the renderer writes."""
    parts = ("cycles", "assessments", "leads", "supporting_contacts", "obligors", "topics", "areas")
    for part in parts:
        assert any(item[part] for item in items), part
    assert any(item["due_rule"] for item in items)
    assert any(item["recurrence"] for item in items)
    assert any(item["compliance"] for item in items)
    assert any(o["organization"] for item in items for o in item["obligors"])


def test_a_page_is_byte_for_byte_what_the_model_writes(as_user) -> None:
    rok: TestClient = as_user("rok-editor")
    _lead_and_assess(rok)
    body = rok.get("/api/v1/commitments", params={"limit": 200, "total": "true"}).content
    page = CommitmentPage.model_validate_json(body)
    _covers_every_part(page.model_dump(mode="json")["items"])
    assert page.model_dump_json().encode() == body


def test_one_commitment_is_byte_for_byte_what_the_model_writes(as_user) -> None:
    rok: TestClient = as_user("rok-editor")
    made = _lead_and_assess(rok)
    refs = [
        item["ref"]
        for item in rok.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
        if item["cycles"] or item["leads"] or item["due_rule"]
    ]
    assert made in refs
    assert len(refs) >= 3
    for ref in refs:
        body = rok.get(f"/api/v1/commitments/{ref}").content
        assert CommitmentPublic.model_validate_json(body).model_dump_json().encode() == body
