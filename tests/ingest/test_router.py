"""Taking a statement in over HTTP, and reviewing its candidates."""

import hashlib
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.db import Database
from app.ingest import service
from app.ingest.models import Candidate
from app.reference.documents import SourceDocument
from tests.factories import make_commitment, make_document
from tests.ingest.statements import JOINT_STATEMENT, PAGE

Users = Callable[[str], TestClient]
METADATA = {"title": "Joint statement", "publisher": "Ministry", "issued_on": "2026-11-01"}


def by_quote(taken: dict[str, Any], start: str) -> dict[str, Any]:
    return next(c for c in taken["candidates"] if c["quote"].startswith(start))


def counts(database: Database) -> tuple[int, int]:
    with database.session(write=False) as session:
        documents = session.execute(select(func.count()).select_from(SourceDocument)).scalar()
        candidates = session.execute(select(func.count()).select_from(Candidate)).scalar()
    return documents or 0, candidates or 0


def test_a_statement_becomes_candidates_each_with_its_sentence_reasons_and_timing(
    as_user: Users,
) -> None:
    taken = make_document(as_user("us-editor"))
    assert taken["created"] is True
    document = taken["document"]
    assert document["parties"] == ["ROK", "US"]
    assert document["access"] == "issuers"
    assert document["sha256"] == hashlib.sha256(JOINT_STATEMENT.encode()).hexdigest()
    assert document["created_by"] == "us-editor"
    quotes = [c["quote"] for c in taken["candidates"]]
    assert not any("condemned" in quote for quote in quotes)
    collapsed = re.sub(r"\s+", " ", JOINT_STATEMENT)
    assert all(quote in collapsed for quote in quotes)
    dialogue = by_quote(taken, "The two ministers will hold")
    assert (dialogue["kind"], dialogue["obligors"]) == ("recurring", ["ROK", "US"])
    assert dialogue["recurrence"]["every"] == "quarter"
    assert any(reason.startswith("cue:") for reason in dialogue["reasons"])
    deploy = by_quote(taken, "The United States will deploy")
    assert (deploy["obligors"], deploy["due_date"]) == (["US"], "2027-12-31")
    assert deploy["locator"]["paragraph"] == 5
    assert deploy["locator"]["after"].startswith(", and the ROK will")
    request = by_quote(taken, "The ROK requested")
    assert (request["kind"], request["obligors"], request["counterparts"]) == (
        "request",
        ["ROK"],
        ["US"],
    )
    assert {c["state"] for c in taken["candidates"]} == {"proposed"}


def test_the_same_text_again_answers_the_document_that_has_it(
    as_user: Users, database: Database
) -> None:
    first = make_document(as_user("us-editor"))
    before = counts(database)
    again = as_user("rok-editor").post(
        "/api/v1/documents", json={**METADATA, "parties": ["ROK"], "text": JOINT_STATEMENT}
    )
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["document"]["slug"] == first["document"]["slug"]
    assert again.headers["location"] == f"/api/v1/documents/{first['document']['slug']}"
    assert counts(database) == before


def test_a_statement_under_review_is_hidden_from_other_parties(as_user: Users) -> None:
    slug = make_document(as_user("us-editor"))["document"]["slug"]
    for name in ("us-viewer", "rok-viewer"):
        assert as_user(name).get(f"/api/v1/documents/{slug}").status_code == 200
        assert as_user(name).get(f"/api/v1/documents/{slug}/candidates").status_code == 200
    outsider = as_user("jp-editor")
    assert outsider.get(f"/api/v1/documents/{slug}").status_code == 404
    assert outsider.get(f"/api/v1/documents/{slug}/candidates").status_code == 404
    listed = [d["slug"] for d in outsider.get("/api/v1/documents").json()["items"]]
    assert slug not in listed
    # Its text uploaded by the outsider is a document of the outsider's: nothing tells it
    # that the same text is already in the register.
    own = outsider.post(
        "/api/v1/documents", json={**METADATA, "parties": ["JP"], "text": JOINT_STATEMENT}
    )
    assert own.status_code == 201
    # Slugs end at random: a "-2" would tell that the first one is taken.
    for taken in (slug, own.json()["document"]["slug"]):
        assert re.fullmatch(r"2026-11-01-joint-statement-[2-9a-z]{4}", taken)
    assert own.json()["document"]["slug"] != slug


def test_a_published_statement_is_read_by_all_but_reviewed_by_its_issuers(
    as_user: Users,
) -> None:
    slug = make_document(as_user("us-editor"), access="public")["document"]["slug"]
    outsider = as_user("jp-editor")
    assert outsider.get(f"/api/v1/documents/{slug}").json()["paragraphs"][0].startswith("JOINT")
    assert outsider.get(f"/api/v1/documents/{slug}/candidates").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/documents/{slug}/candidates/1/reject", json={"reason": "no"}
        ).status_code
        == 404
    )


def test_text_bodies_take_their_metadata_from_the_query(as_user: Users) -> None:
    response = as_user("us-editor").post(
        "/api/v1/documents",
        params={**METADATA, "parties": "US,ROK", "meeting": "SCM-57"},
        content=PAGE.encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    taken = response.json()
    assert taken["document"]["text_format"] == "text/html"
    assert taken["document"]["meeting"] == "SCM-57"
    quotes = [c["quote"] for c in taken["candidates"]]
    assert quotes == [
        "The two ministers will hold the Integrated Defense Dialogue quarterly.",
        "The United States will deploy additional surveillance assets to the region by 2027.",
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "params", "status", "says"),
    [
        ("Both sides will act.".encode("utf-16"), "text/plain", METADATA, 422, "not valid utf-8"),
        (b"Both sides will act.", "text/plain; charset=klingon", METADATA, 415, "klingon"),
        # Codecs Python knows that are not character sets of text.
        (b"Both sides will act.", "text/plain; charset=rot13", METADATA, 415, "rot13"),
        (b"Qm90aCBzaWRlcw==", "text/plain; charset=base64", METADATA, 415, "base64"),
        (b"x\x9cK\x04\x00\x00b\x00b", "text/plain; charset=zlib", METADATA, 415, "zlib"),
        (b"Both sides will act.", "text/markdown; charset=hex", METADATA, 415, "hex"),
        # Python's own transformations of text, not character sets: punycode decodes in
        # quadratic time, so a statement near the body limit would hold the server for minutes.
        (b"\xff.example", "text/plain; charset=idna", METADATA, 415, "idna"),
        (b"a" * 20 + b"-" + b"a" * 20, "text/plain; charset=punycode", METADATA, 415, "punycode"),
        (b"Both sides will act.", "text/plain; charset=unicode_escape", METADATA, 415, "unicode"),
        (b"Both sides will act.", "text/plain; charset=raw-unicode-escape", METADATA, 415, "raw"),
        (b"Both sides will act.", "application/pdf", METADATA, 415, "text/plain"),
        (b"Both sides will act.", "plain", METADATA, 415, "text/plain"),
        (b"Both sides\x00 will act.", "text/plain", METADATA, 422, "U+0000"),
        (b"   \n\n  ", "text/plain", METADATA, 422, "no paragraph"),
        # Markup that is no page at all, which a parser refused with an exception.
        (b"<![" * 1_000, "text/html", METADATA, 422, "no paragraph"),
        (b"Both sides will act.", "text/plain", {"publisher": "M"}, 422, "title"),
        (b"Both sides will act.", "text/plain", {**METADATA, "parties": "ZZ"}, 422, "ZZ"),
        (b"Both sides will act.", "text/plain", {**METADATA, "meeting": "SCM-999"}, 422, "SCM"),
        (b"x" * 600_000, "text/plain", METADATA, 422, "500000"),
        # More candidates, or more sentences, than one statement may hold.
        (b"Both sides will act; " * 3_100, "text/plain", METADATA, 422, "3,000 candidates"),
        (b"We met. " * 10_100, "text/plain", METADATA, 422, "10,000 sentences"),
        (b"Both sides will act.", "text/plain", {**METADATA, "issued_on": "2026-02-30"}, 422, ""),
    ],
)
def test_bad_uploads_are_clear_problems_and_change_nothing(
    as_user: Users,
    database: Database,
    body: bytes,
    content_type: str,
    params: dict[str, str],
    status: int,
    says: str,
) -> None:
    before = counts(database)
    response = as_user("us-editor").post(
        "/api/v1/documents", params=params, content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says.lower() in response.text.lower()
    assert counts(database) == before


def test_a_body_over_the_size_limit_is_413(as_user: Users) -> None:
    response = as_user("us-editor").post(
        "/api/v1/documents",
        params=METADATA,
        content=b"x" * 1_100_000,
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 413


def test_only_editors_of_an_issuing_party_take_a_statement_in(as_user: Users) -> None:
    viewer = as_user("us-viewer").post(
        "/api/v1/documents", json={**METADATA, "text": JOINT_STATEMENT}
    )
    assert viewer.status_code == 403
    other = as_user("jp-editor").post(
        "/api/v1/documents", json={**METADATA, "parties": ["US"], "text": JOINT_STATEMENT}
    )
    assert other.status_code == 422
    assert "JP" in other.json()["detail"]


def test_accepting_makes_a_commitment_with_the_full_provenance(as_user: Users) -> None:
    editor = as_user("us-editor")
    taken = make_document(editor)
    slug = taken["document"]["slug"]
    deploy = by_quote(taken, "The United States will deploy")
    response = editor.post(
        f"/api/v1/documents/{slug}/candidates/{deploy['number']}/accept",
        json={"title": "Deploy surveillance assets", "topics": []},
    )
    assert response.status_code == 201, response.text
    decision = response.json()
    commitment = decision["commitment"]
    assert response.headers["location"] == f"/api/v1/commitments/{commitment['ref']}"
    assert commitment["title"] == "Deploy surveillance assets"
    assert commitment["source"]["document"] == slug
    assert commitment["source"]["quote"] == deploy["quote"]
    assert commitment["source"]["locator"] == deploy["locator"]
    assert commitment["obligors"] == [{"party": "US", "organization": None}]
    assert commitment["due_date"] == "2027-12-31"
    assert commitment["releasable_to"] == ["ROK", "US"]
    candidate = decision["candidate"]
    assert (candidate["state"], candidate["commitment"], candidate["decided_by"]) == (
        "accepted",
        commitment["ref"],
        "us-editor",
    )
    history = editor.get(f"/api/v1/commitments/{commitment['ref']}/history").json()["items"]
    created = next(entry for entry in history if entry["field"] == "created")
    assert (created["actor"], created["channel"]) == ("us-editor", "api")
    # The ROK, an issuing party, reads what its ally accepted.
    assert as_user("rok-viewer").get(f"/api/v1/commitments/{commitment['ref']}").status_code == 200
    again = editor.post(f"/api/v1/documents/{slug}/candidates/{deploy['number']}/accept")
    assert again.status_code == 409
    assert "accepted by us-editor" in again.json()["detail"]


def test_a_commitment_from_a_statement_stays_releasable_to_its_issuers(
    as_user: Users, database: Database
) -> None:
    editor = as_user("us-editor")
    taken = make_document(editor)
    number = by_quote(taken, "The United States will deploy")["number"]
    response = editor.post(
        f"/api/v1/documents/{taken['document']['slug']}/candidates/{number}/accept",
        json={"releasable_to": ["US"]},
    )
    assert response.status_code == 422
    assert "ROK" in response.json()["detail"]


def test_an_editor_accepts_only_what_its_party_is_part_of(as_user: Users) -> None:
    taken = make_document(as_user("us-editor"))
    number = by_quote(taken, "The ROK requested")["number"]
    url = f"/api/v1/documents/{taken['document']['slug']}/candidates/{number}/accept"
    assert as_user("us-editor").post(url).status_code == 403
    assert as_user("rok-viewer").post(url).status_code == 403
    assert as_user("rok-editor").post(url).status_code == 201


def test_rejecting_records_the_reason_and_reextraction_keeps_every_decision(
    as_user: Users,
) -> None:
    editor = as_user("us-editor")
    taken = make_document(editor)
    slug = taken["document"]["slug"]
    deploy = by_quote(taken, "The United States will deploy")
    dialogue = by_quote(taken, "The two ministers")
    rejected = editor.post(
        f"/api/v1/documents/{slug}/candidates/{deploy['number']}/reject",
        json={"reason": "A description of plans, not an undertaking."},
    )
    assert rejected.status_code == 200
    assert rejected.json()["decision_reason"] == "A description of plans, not an undertaking."
    accepted = editor.post(f"/api/v1/documents/{slug}/candidates/{dialogue['number']}/accept")
    assert accepted.status_code == 201
    again = editor.post(f"/api/v1/documents/{slug}/candidates/extract")
    assert again.status_code == 200
    items = {c["number"]: c for c in again.json()["items"]}
    assert items.keys() == {c["number"] for c in taken["candidates"]}
    assert items[deploy["number"]]["state"] == "rejected"
    assert items[dialogue["number"]]["state"] == "accepted"
    assert items[dialogue["number"]]["commitment"] == accepted.json()["commitment"]["ref"]
    only_rejected = editor.get(f"/api/v1/documents/{slug}/candidates", params={"state": "rejected"})
    assert [c["number"] for c in only_rejected.json()["items"]] == [deploy["number"]]


def test_a_restatement_is_proposed_and_merged_as_evidence_not_a_duplicate(
    as_user: Users,
) -> None:
    editor = as_user("us-editor")
    quote = "both sides will establish a combined working group on maritime domain awareness"
    ref = make_commitment(
        editor, title=quote[:60], quote=quote, parties=["US", "ROK"], releasable_to=["US", "ROK"]
    )["ref"]
    text = (
        "Joint Statement\n\nThe two ministers reaffirmed that both sides will establish a "
        "combined working group on maritime domain awareness.\n"
    )
    taken = make_document(editor, text=text, access="public")
    candidate = next(c for c in taken["candidates"] if c["restates"])
    assert candidate["restates"]["ref"] == ref
    assert candidate["restates"]["score"] >= 0.75
    slug = taken["document"]["slug"]
    response = editor.post(
        f"/api/v1/documents/{slug}/candidates/{candidate['number']}/merge", json={"ref": ref}
    )
    assert response.status_code == 200, response.text
    assert response.json()["candidate"]["state"] == "merged"
    assert response.json()["candidate"]["commitment"] == ref
    notes = editor.get(f"/api/v1/commitments/{ref}/updates").json()["items"]
    assert any(slug in note["text"] and candidate["quote"] in note["text"] for note in notes)
    listed = editor.get("/api/v1/commitments", params={"q": "maritime domain awareness"})
    assert [c["ref"] for c in listed.json()["items"]] == [ref]


def test_a_restatement_of_what_an_issuer_may_not_see_is_neither_proposed_nor_merged(
    as_user: Users,
) -> None:
    editor = as_user("us-editor")
    quote = "the United States will modernize its space surveillance network"
    ref = make_commitment(
        editor, title=quote[:60], quote=quote, releasable_to=["US"], parties=["US"]
    )["ref"]
    taken = make_document(editor, text=f"Statement\n\nThe Secretary said {quote}.\n")
    assert all(c["restates"] is None for c in taken["candidates"])
    number = taken["candidates"][0]["number"]
    response = editor.post(
        f"/api/v1/documents/{taken['document']['slug']}/candidates/{number}/merge",
        json={"ref": ref},
    )
    assert response.status_code == 422
    assert "ROK" in response.json()["detail"]
    notes = editor.get(f"/api/v1/commitments/{ref}/updates").json()["items"]
    assert notes == []


def test_bulk_accept_is_all_or_nothing(as_user: Users, database: Database) -> None:
    editor = as_user("rok-editor")
    taken = make_document(editor)
    slug = taken["document"]["slug"]
    dialogue = by_quote(taken, "The two ministers")["number"]
    request = by_quote(taken, "The ROK requested")["number"]
    deploy = by_quote(taken, "The United States will deploy")["number"]
    refused = editor.post(
        f"/api/v1/documents/{slug}/candidates/accept", json={"numbers": [dialogue, deploy]}
    )
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(f"Candidate {deploy}:")
    states = editor.get(f"/api/v1/documents/{slug}/candidates").json()["items"]
    assert {c["state"] for c in states} == {"proposed"}
    accepted = editor.post(
        f"/api/v1/documents/{slug}/candidates/accept", json={"numbers": [dialogue, request]}
    )
    assert accepted.status_code == 200
    assert [d["candidate"]["state"] for d in accepted.json()["items"]] == ["accepted"] * 2


def test_candidates_filter_by_kind_and_confidence(as_user: Users) -> None:
    editor = as_user("us-editor")
    slug = make_document(editor)["document"]["slug"]
    requests = editor.get(f"/api/v1/documents/{slug}/candidates", params={"kind": "request"})
    assert [c["kind"] for c in requests.json()["items"]] == ["request"]
    none = editor.get(f"/api/v1/documents/{slug}/candidates", params={"min_confidence": 1})
    assert none.json()["items"] == []
    bad = editor.get(f"/api/v1/documents/{slug}/candidates", params={"min_confidence": 2})
    assert bad.status_code == 422


def test_a_proposal_that_cannot_become_a_commitment_asks_for_edits(
    as_user: Users, database: Database
) -> None:
    editor = as_user("us-editor")
    taken = make_document(editor)
    number = by_quote(taken, "The two ministers")["number"]
    with database.session() as session:
        row = session.execute(select(Candidate).where(Candidate.number == number)).scalar_one()
        row.obligors = []
        session.add(row)
        session.commit()
    url = f"/api/v1/documents/{taken['document']['slug']}/candidates/{number}/accept"
    refused = editor.post(url)
    assert refused.status_code == 422
    assert "obligors" in refused.json()["detail"]
    accepted = editor.post(url, json={"obligors": [{"party": "US"}, {"party": "ROK"}]})
    assert accepted.status_code == 201


def test_a_merge_into_a_commitment_the_reviewer_may_not_see_is_not_found(
    as_user: Users,
) -> None:
    quote = "Japan will host the maritime exercise"
    hidden = make_commitment(
        as_user("jp-editor"), title=quote, quote=quote, parties=["JP"], releasable_to=["JP"]
    )["ref"]
    editor = as_user("us-editor")
    taken = make_document(editor)
    number = taken["candidates"][0]["number"]
    response = editor.post(
        f"/api/v1/documents/{taken['document']['slug']}/candidates/{number}/merge",
        json={"ref": hidden},
    )
    assert response.status_code == 404
    assert as_user("jp-editor").get(f"/api/v1/commitments/{hidden}/updates").json()["items"] == []
    candidates = editor.get(f"/api/v1/documents/{taken['document']['slug']}/candidates").json()
    assert candidates["items"][0]["state"] == "proposed"


def test_a_statement_seeded_without_its_text_cannot_be_extracted_again(
    client: TestClient,
) -> None:
    slug = client.get("/api/v1/documents").json()["items"][0]["slug"]
    response = client.post(f"/api/v1/documents/{slug}/candidates/extract")
    assert response.status_code == 422
    assert "without its text" in response.json()["detail"]


def test_what_a_statement_an_outside_party_issued_with_a_member_gives_is_released_to_the_member(
    as_user: Users,
) -> None:
    editor = as_user("rok-editor")
    text = "Both sides will hold annual defense talks in Seoul.\n"
    taken = make_document(editor, text=text, parties=["CN", "ROK"], title="ROK-China statement")
    candidate = by_quote(taken, "Both sides will hold")
    assert sorted(candidate["obligors"]) == ["CN", "ROK"]
    accepted = editor.post(
        f"/api/v1/documents/{taken['document']['slug']}/candidates/{candidate['number']}/accept"
    )
    assert accepted.status_code == 201, accepted.text
    made = accepted.json()["commitment"]
    assert made["parties"] == ["CN", "ROK"]
    assert made["releasable_to"] == ["ROK"]


def test_a_statement_being_read_leaves_reads_free_and_refuses_one_more(
    as_user: Users, anonymous: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, finish = threading.Event(), threading.Event()
    read_statement = service.propose

    def held(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        assert finish.wait(30)
        return read_statement(*args, **kwargs)

    us_editor, rok_editor = as_user("us-editor"), as_user("rok-editor")
    readers = [as_user("jp-editor"), as_user("rok-viewer")]
    for caller in [us_editor, rok_editor, *readers]:
        # Each token's first use is recorded, a write that on SQLite would wait for the one
        # writer, which the statement being read holds.
        assert caller.get("/api/v1/parties").status_code == 200
    monkeypatch.setattr(service, "propose", held)
    with ThreadPoolExecutor(max_workers=1) as background:
        first = background.submit(
            us_editor.post,
            "/api/v1/documents",
            json={**METADATA, "parties": ["US", "ROK"], "text": JOINT_STATEMENT},
        )
        try:
            assert reading.wait(30)
            # Other parties' reads answer while the statement is read.
            assert readers[0].get("/api/v1/commitments").status_code == 200
            assert readers[1].get("/api/v1/reports/overdue").status_code == 200
            # One more statement is refused at once, and nothing of it is stored.
            before = counts(database)
            busy = rok_editor.post(
                "/api/v1/documents", json={**METADATA, "parties": ["ROK"], "text": "We will act."}
            )
            assert busy.status_code == 503, busy.text
            assert busy.headers["content-type"] == "application/problem+json"
            assert int(busy.headers["retry-after"]) > 0
            assert counts(database) == before
            # A caller without a valid token learns nothing of it: 401, as at any time.
            for headers in ({}, {"Authorization": "Bearer ac_not-a-token"}):
                stranger = anonymous.post(
                    "/api/v1/documents",
                    json={**METADATA, "text": "We will act."},
                    headers=headers,
                )
                assert stranger.status_code == 401, stranger.text
        finally:
            finish.set()
        assert first.result().status_code == 201
    # The place is free again, after a statement taken in and after one refused.
    refused = rok_editor.post("/api/v1/documents", json={**METADATA, "text": "x" * 500_001})
    assert refused.status_code == 422
    again = rok_editor.post(
        "/api/v1/documents", json={**METADATA, "parties": ["ROK"], "text": "We will act."}
    )
    assert again.status_code == 201, again.text
