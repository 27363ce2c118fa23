import threading

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_commitment, make_contact

PROBLEM = "application/problem+json"
# Due at the SCM after the commitment was made: a rule, not a fixed date.
NEXT_SCM = {"series": "SCM", "occurrence": "next", "offset_days": 0}


@pytest.fixture
def ref(as_user) -> str:
    """A commitment of the U.S. and the ROK, not started, due at the next SCM."""
    made = make_commitment(
        as_user("us-editor"),
        title="Identify points of contact",
        parties=["US", "ROK"],
        areas=["regional-security-cooperation"],
        due_rule=NEXT_SCM,
    )
    return str(made["ref"])


def current(client: TestClient, ref: str) -> tuple[dict, str]:
    response = client.get(f"/api/v1/commitments/{ref}")
    assert response.status_code == 200, response.text
    return response.json(), response.headers["etag"]


def history(client: TestClient, ref: str) -> list[dict]:
    return client.get(f"/api/v1/commitments/{ref}/history").json()["items"]


def test_create_with_the_least_it_needs(as_user) -> None:
    editor = as_user("us-editor")
    response = editor.post(
        "/api/v1/commitments", json={"title": "Name a U.S. lead", "parties": ["us"]}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ref"].startswith("AC-")
    assert response.headers["location"] == f"/api/v1/commitments/{body['ref']}"
    assert response.headers["etag"].startswith('"1.')
    assert (body["parties"], body["releasable_to"], body["status"]) == (
        ["US"],
        ["US"],
        "not_started",
    )
    entries = history(editor, body["ref"])
    assert {e["field"] for e in entries} >= {"created", "title", "status", "parties"}
    assert {(e["actor"], e["channel"]) for e in entries} == {("us-editor", "api")}


def test_korean_titles_round_trip_and_are_searchable(as_user) -> None:
    editor = as_user("rok-editor")
    title = "공동 조기경보체계 개선 계획 수립"
    ref = make_commitment(editor, title=title, parties=["ROK", "US"])["ref"]
    assert editor.get(f"/api/v1/commitments/{ref}").json()["title"] == title
    found = editor.get("/api/v1/commitments", params={"q": "조기경보"}).json()
    assert [item["ref"] for item in found["items"]] == [ref]


@pytest.mark.parametrize(
    "body",
    [
        {"parties": ["US"]},
        {"title": "x"},
        {"title": "   ", "parties": ["US"]},
        {"title": "x", "parties": []},
        {"title": "x", "parties": ["US", "US"]},
        {"title": "x", "parties": ["ZZ"]},
        {"title": "x", "parties": ["US"], "areas": ["nowhere"]},
        {"title": "x", "parties": ["US"], "colour": "red"},
        {"title": "x", "parties": ["US"], "status": "completed"},
        {"title": "x", "parties": ["US"], "due_date": "next week"},
        {"title": "x" * 301, "parties": ["US"]},
        {"title": "null\u0000byte", "parties": ["US"]},
        {"title": "x", "parties": ["US", "ROK"], "releasable_to": ["US"]},
        {"title": "x", "parties": ["US"], "leads": [{"party": "US", "contact_id": 999}]},
        {"title": "x", "parties": ["US"], "meeting": "SCM-99"},
    ],
)
def test_invalid_commitments_are_refused_and_nothing_is_stored(
    as_user, client: TestClient, body: dict
) -> None:
    before = client.get("/api/v1/commitments?total=true").json()["total"]
    response = as_user("us-editor").post("/api/v1/commitments", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/commitments?total=true").json()["total"] == before


def test_patch_needs_if_match_and_refuses_a_stale_one(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    body, etag = current(editor, ref)
    missing = editor.patch(f"/api/v1/commitments/{ref}", json={"due_date": "2026-12-31"})
    assert missing.status_code == 428
    assert missing.json()["type"].endswith("/precondition-required")
    stale = editor.patch(
        f"/api/v1/commitments/{ref}", json={"due_date": "2026-12-31"}, headers={"If-Match": '"0"'}
    )
    assert stale.status_code == 412
    # The version the commitment is at, which If-Match takes as it is.
    assert stale.json()["current_etag"] == stale.headers["etag"] == f'"{body["version"]}"'
    weak = editor.patch(
        f"/api/v1/commitments/{ref}",
        json={"due_date": "2026-12-31"},
        headers={"If-Match": f"W/{etag}"},
    )
    assert weak.status_code == 412
    assert current(editor, ref)[0] == body


def test_patch_changes_fields_bumps_the_version_and_records_each_field(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    body, etag = current(editor, ref)
    response = editor.patch(
        f"/api/v1/commitments/{ref}",
        json={"due_date": "2026-12-31", "status": "at_risk", "areas": ["information-sharing"]},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["due_date"], changed["status"], changed["areas"]) == (
        "2026-12-31",
        "at_risk",
        ["information-sharing"],
    )
    assert changed["version"] == body["version"] + 1
    assert response.headers["etag"].startswith(f'"{changed["version"]}.')
    assert response.headers["etag"] == editor.get(f"/api/v1/commitments/{ref}").headers["etag"]
    latest = [e for e in history(editor, ref) if e["version"] == changed["version"]]
    assert {e["field"]: (e["old_value"], e["new_value"]) for e in latest} == {
        "due_date": (body["due_date"], "2026-12-31"),
        # A fixed date replaces the rule that followed the next SCM.
        "due_rule": (NEXT_SCM, None),
        "status": ("not_started", "at_risk"),
        "areas": (["regional-security-cooperation"], ["information-sharing"]),
    }
    assert {e["actor"] for e in latest} == {"us-editor"}


def test_an_unchanged_patch_does_not_bump_the_version(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    body, etag = current(editor, ref)
    response = editor.patch(
        f"/api/v1/commitments/{ref}", json={"status": body["status"]}, headers={"If-Match": etag}
    )
    assert response.json()["version"] == body["version"]


def test_invalid_transitions_are_409_with_the_allowed_next_states(
    as_user, client: TestClient, ref: str
) -> None:
    _, etag = current(client, ref)
    to_cancelled = client.patch(
        f"/api/v1/commitments/{ref}", json={"status": "superseded"}, headers={"If-Match": etag}
    )
    assert to_cancelled.status_code == 200
    _, etag = current(client, ref)
    back = client.patch(
        f"/api/v1/commitments/{ref}", json={"status": "in_progress"}, headers={"If-Match": etag}
    )
    assert back.status_code == 409
    problem = back.json()
    assert problem["type"].endswith("/invalid-transition")
    assert problem["allowed_next"] == []
    assert problem["current_status"] == "superseded"


def test_completing_needs_a_note_now_or_earlier_evidence(as_user, ref: str) -> None:
    editor = as_user("rok-editor")
    _, etag = current(editor, ref)
    bare = editor.patch(
        f"/api/v1/commitments/{ref}", json={"status": "completed"}, headers={"If-Match": etag}
    )
    assert bare.status_code == 422
    with_note = editor.patch(
        f"/api/v1/commitments/{ref}",
        json={"status": "completed", "progress_note": {"text": "Both sides named their leads."}},
        headers={"If-Match": etag},
    )
    assert with_note.status_code == 200, with_note.text
    notes = editor.get(f"/api/v1/commitments/{ref}/updates").json()["items"]
    assert [(n["status_from"], n["status_to"]) for n in notes] == [("not_started", "completed")]


def test_earlier_evidence_allows_completing_without_a_new_note(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    note = editor.post(
        f"/api/v1/commitments/{ref}/updates",
        json={
            "text": "Lead named",
            "evidence_url": "https://example.org/memo",
            "percent_complete": 90,
        },
    )
    assert note.status_code == 201, note.text
    body, etag = current(editor, ref)
    assert body["percent_complete"] == 90
    done = editor.patch(
        f"/api/v1/commitments/{ref}", json={"status": "completed"}, headers={"If-Match": etag}
    )
    assert done.status_code == 200


def test_progress_notes_are_appended_and_corrected_never_edited(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    first = editor.post(
        f"/api/v1/commitments/{ref}/updates", json={"text": "Draft sent", "as_of": "2026-01-10"}
    )
    assert first.status_code == 201
    first_id = first.json()["id"]
    fix = editor.post(
        f"/api/v1/commitments/{ref}/updates",
        json={
            "text": "Draft sent on 9 January, not 10",
            "as_of": "2026-01-09",
            "corrects": first_id,
        },
    )
    assert fix.status_code == 201
    notes = {n["id"]: n for n in editor.get(f"/api/v1/commitments/{ref}/updates").json()["items"]}
    assert notes[first_id]["corrected_by"] == [fix.json()["id"]]
    assert notes[first_id]["text"] == "Draft sent"
    assert editor.patch(f"/api/v1/commitments/{ref}/updates").status_code == 405
    assert editor.delete(f"/api/v1/commitments/{ref}/updates").status_code == 405
    wrong = editor.post(
        f"/api/v1/commitments/{ref}/updates", json={"text": "x", "corrects": 999999}
    )
    assert wrong.status_code == 422
    assert current(editor, ref)[0]["last_note_on"] == "2026-01-10"


def test_a_status_changing_note_needs_if_match_and_follows_the_workflow(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    url = f"/api/v1/commitments/{ref}/updates"
    assert editor.post(url, json={"text": "Stuck", "status": "blocked"}).status_code == 428
    _, etag = current(editor, ref)
    blocked = editor.post(
        url, json={"text": "Stuck", "status": "blocked"}, headers={"If-Match": etag}
    )
    assert blocked.status_code == 201, blocked.text
    assert blocked.json()["status_to"] == "blocked"
    _, etag = current(editor, ref)
    jump = editor.post(
        url, json={"text": "Done", "status": "completed"}, headers={"If-Match": etag}
    )
    assert jump.status_code == 409
    assert "in_progress" in jump.json()["allowed_next"]


def test_leads_and_supporting_contacts(as_user, ref: str) -> None:
    us, rok = as_user("us-editor"), as_user("rok-editor")
    us_lead = make_contact(us, name="OSD Policy, Korea desk", party="US")
    rok_lead = make_contact(rok, name="MND International Policy Bureau", party="ROK")
    helper = make_contact(rok, name="Kim Min-ji", party="ROK")
    _, etag = current(us, ref)
    response = us.patch(
        f"/api/v1/commitments/{ref}",
        json={
            "leads": [
                {"party": "US", "contact_id": us_lead},
                {"party": "ROK", "contact_id": rok_lead},
            ],
            "supporting_contacts": [helper],
        },
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(lead["party"], lead["contact"]["id"]) for lead in body["leads"]] == [
        ("ROK", rok_lead),
        ("US", us_lead),
    ]
    assert [c["id"] for c in body["supporting_contacts"]] == [helper]
    _, etag = current(us, ref)
    crossed = us.patch(
        f"/api/v1/commitments/{ref}",
        json={"leads": [{"party": "US", "contact_id": rok_lead}]},
        headers={"If-Match": etag},
    )
    assert crossed.status_code == 422
    outsider = us.patch(
        f"/api/v1/commitments/{ref}",
        json={"leads": [{"party": "JP", "contact_id": us_lead}]},
        headers={"If-Match": etag},
    )
    assert outsider.status_code == 422


def test_releasability_hides_commitments_everywhere(as_user, client: TestClient) -> None:
    us = as_user("us-editor")
    created = make_commitment(
        us,
        title="U.S.-only planning item",
        parties=["US"],
        areas=["maritime-security"],
        document="scm56-2plus2-fact-sheet-and-rcf",
    )
    ref = created["ref"]
    viewer = as_user("rok-viewer")
    for path in (
        f"/api/v1/commitments/{ref}",
        f"/api/v1/commitments/{ref}/history",
        f"/api/v1/commitments/{ref}/updates",
    ):
        response = viewer.get(path)
        assert response.status_code == 404, path
        # Indistinguishable from a reference that does not exist.
        assert response.json()["detail"] == f"No commitment with reference '{ref}'."
    assert ref not in [
        i["ref"] for i in viewer.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
    ]
    assert (
        viewer.get("/api/v1/commitments?total=true").json()["total"]
        == client.get("/api/v1/commitments?total=true").json()["total"] - 1
    )
    documents = {
        d["slug"]: d["commitment_count"] for d in viewer.get("/api/v1/documents").json()["items"]
    }
    admin_documents = {
        d["slug"]: d["commitment_count"] for d in client.get("/api/v1/documents").json()["items"]
    }
    assert (
        documents["scm56-2plus2-fact-sheet-and-rcf"]
        == admin_documents["scm56-2plus2-fact-sheet-and-rcf"] - 1
    )
    area = viewer.get("/api/v1/areas/maritime-security").json()
    assert (
        area["commitment_count"]
        == client.get("/api/v1/areas/maritime-security").json()["commitment_count"] - 1
    )
    rok_editor = as_user("rok-editor")
    assert (
        rok_editor.patch(
            f"/api/v1/commitments/{ref}", json={"title": "x"}, headers={"If-Match": '"1"'}
        ).status_code
        == 404
    )
    _, etag = current(us, ref)
    shared = us.patch(
        f"/api/v1/commitments/{ref}",
        json={"releasable_to": ["US", "ROK"]},
        headers={"If-Match": etag},
    )
    assert shared.status_code == 200
    assert viewer.get(f"/api/v1/commitments/{ref}").status_code == 200
    refused = rok_editor.patch(
        f"/api/v1/commitments/{ref}",
        json={"title": "x"},
        headers={"If-Match": shared.headers["etag"]},
    )
    assert refused.status_code == 403


def test_editors_change_only_their_own_partys_commitments(as_user, ref: str) -> None:
    japan = as_user("jp-editor")
    trilateral = make_commitment(as_user("admin"), parties=["US", "ROK", "JP"])["ref"]
    _, etag = current(japan, trilateral)
    assert (
        japan.patch(
            f"/api/v1/commitments/{trilateral}",
            json={"due_date": "2027-01-01"},
            headers={"If-Match": etag},
        ).status_code
        == 200
    )
    _, etag = current(as_user("us-editor"), ref)
    assert japan.get(f"/api/v1/commitments/{ref}").status_code == 404
    leave = as_user("us-editor").patch(
        f"/api/v1/commitments/{ref}", json={"parties": ["ROK"]}, headers={"If-Match": etag}
    )
    assert leave.status_code == 403


def test_archive_and_restore(as_user, client: TestClient, ref: str) -> None:
    total = client.get("/api/v1/commitments?total=true").json()["total"]
    _, etag = current(client, ref)
    assert (
        as_user("us-editor")
        .delete(f"/api/v1/commitments/{ref}", headers={"If-Match": etag})
        .status_code
        == 403
    )
    assert client.delete(f"/api/v1/commitments/{ref}").status_code == 428
    archived = client.delete(f"/api/v1/commitments/{ref}", headers={"If-Match": etag})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert client.get("/api/v1/commitments?total=true").json()["total"] == total - 1
    assert as_user("us-viewer").get(f"/api/v1/commitments/{ref}").status_code == 404
    assert client.get(f"/api/v1/commitments/{ref}").json()["archived"] is True
    restored = client.post(f"/api/v1/commitments/{ref}/restore")
    assert restored.json()["archived"] is False
    assert client.get("/api/v1/commitments?total=true").json()["total"] == total
    archived_entries = [e for e in history(client, ref) if e["field"] == "archived"]
    assert [(e["old_value"], e["new_value"]) for e in archived_entries] == [
        (False, True),
        (True, False),
    ]


def test_if_none_match_gives_304_until_it_changes(client: TestClient, ref: str) -> None:
    _, etag = current(client, ref)
    assert (
        client.get(f"/api/v1/commitments/{ref}", headers={"If-None-Match": etag}).status_code == 304
    )
    client.post(f"/api/v1/commitments/{ref}/updates", json={"text": "news"})
    assert (
        client.get(f"/api/v1/commitments/{ref}", headers={"If-None-Match": etag}).status_code == 200
    )


def test_bad_input_leaves_the_commitment_unchanged(as_user, ref: str) -> None:
    editor = as_user("us-editor")
    body, etag = current(editor, ref)
    entries = history(editor, ref)
    for patch in (
        {"title": None},
        {"parties": None},
        {"status": None},
        {"due_date": "2026-13-01"},
        {"status": "finished"},
        {"leads": [{"party": "US", "contact_id": 123456}]},
        {"areas": ["maritime-security", "maritime-security"]},
        {"progress_note": {"text": ""}},
        {"unknown": True},
    ):
        response = editor.patch(
            f"/api/v1/commitments/{ref}", json=patch, headers={"If-Match": etag}
        )
        assert response.status_code == 422, (patch, response.text)
        assert response.headers["content-type"] == PROBLEM
    not_json = editor.patch(
        f"/api/v1/commitments/{ref}",
        content=b"{nope",
        headers={"If-Match": etag, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert current(editor, ref) == (body, etag)
    assert history(editor, ref) == entries


WRITES = [
    ("post", "/api/v1/commitments", {"title": "x", "parties": ["US"]}),
    ("patch", "/api/v1/commitments/{ref}", {"description": "x"}),
    ("delete", "/api/v1/commitments/{ref}", None),
    ("post", "/api/v1/commitments/{ref}/restore", None),
    ("post", "/api/v1/commitments/{ref}/updates", {"text": "x"}),
    ("post", "/api/v1/contacts", {"name": "x", "party": "US"}),
    ("put", "/api/v1/areas/maritime-security/leads", {"leads": []}),
    ("post", "/api/v1/users", {"name": "x", "role": "viewer", "party": "US"}),
]
ALLOWED = {
    "us-viewer": set(),
    "us-editor": {0, 1, 4, 5},
    "admin": set(range(len(WRITES))),
}


@pytest.mark.parametrize("user", ["us-viewer", "us-editor", "admin", None])
@pytest.mark.parametrize("index", range(len(WRITES)))
def test_each_role_against_each_write(
    as_user, anonymous: TestClient, user: str | None, index: int, ref: str
) -> None:
    method, path, body = WRITES[index]
    client = as_user(user) if user else anonymous
    etag = current(as_user("admin"), ref)[1]
    response = client.request(method, path.format(ref=ref), json=body, headers={"If-Match": etag})
    if user is None:
        assert response.status_code == 401
    elif index in ALLOWED[user]:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM


def test_two_editors_racing_exactly_one_wins(as_user, ref: str) -> None:
    first, second = as_user("us-editor"), as_user("rok-editor")
    body, etag = current(first, ref)
    before = history(first, ref)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def race(name: str, client: TestClient, due: str) -> None:
        barrier.wait()
        response = client.patch(
            f"/api/v1/commitments/{ref}", json={"due_date": due}, headers={"If-Match": etag}
        )
        results[name] = response.status_code

    threads = [
        threading.Thread(target=race, args=("us", first, "2027-01-01")),
        threading.Thread(target=race, args=("rok", second, "2027-06-30")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 412], results
    winner = "2027-01-01" if results["us"] == 200 else "2027-06-30"
    after, _ = current(first, ref)
    assert after["due_date"] == winner
    assert after["version"] == body["version"] + 1
    added = history(first, ref)[len(before) :]
    assert {e["version"] for e in added} == {after["version"]}
    assert [(e["field"], e["new_value"]) for e in added if e["field"] != "due_rule"] == [
        ("due_date", winner)
    ]
