"""What an attack on the running service found about commitments, as regression tests."""

import base64
import json
import re
from collections.abc import Mapping
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import select

from app.commitments.models import Commitment
from app.core.db import Database
from app.history.models import CommitmentHistory
from tests.board.conftest import sign_in
from tests.conftest import TOKENS
from tests.factories import make_commitment

PROBLEM = "application/problem+json"
BIG = 99999999999999999999999
FAR_INSTANT = "9999-12-31T23:59:59-14:00"


def forged_cursor(payload: object) -> str:
    """Encoded as the API encodes its own cursors: only the values are forged."""
    encoded = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


def patch(client: TestClient, ref: str, changes: dict) -> object:
    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
    return client.patch(f"/api/v1/commitments/{ref}", json=changes, headers={"If-Match": etag})


def snapshot(client: TestClient, ref: str) -> tuple[dict, list, list]:
    return (
        client.get(f"/api/v1/commitments/{ref}").json(),
        client.get(f"/api/v1/commitments/{ref}/history").json()["items"],
        client.get(f"/api/v1/commitments/{ref}/updates").json()["items"],
    )


@pytest.mark.parametrize(
    ("sort", "payload"),
    [
        ("ref", ["ref", "A", BIG]),
        ("ref", ["ref", "x" * 60]),
        ("ref", ["ref", 12]),
        ("updated_at", ["updated_at", FAR_INSTANT, "SCM56-RCF-13"]),
        ("updated_at", ["updated_at", "2026-01-01T00:00:00", "SCM56-RCF-13"]),
        ("due_date", ["due_date", BIG, "2026-01-01", "SCM56-RCF-13"]),
        ("due_date", ["due_date", 0, "9999-12-31", "SCM56-RCF-13"]),
        ("due_date", ["due_date", True, "2026-01-01", "SCM56-RCF-13"]),
        # PostgreSQL refuses a NUL in a text parameter: it must never reach SQL.
        ("ref", ["ref", "SCM56-RCF-13\u0000"]),
        ("-ref", ["-ref", "\u0000"]),
        ("due_date", ["due_date", 0, "2026-01-01", "SCM\u000056"]),
        ("updated_at", ["updated_at", "2026-01-01T00:00:00+00:00", "A\u0000B"]),
        ("ref", ["ref", "SCM56\r\nRCF"]),
        ("ref", ["ref", "SCM56 RCF 13"]),
        ("ref", ["ref", "참조"]),
        ("ref", ["ref", ["SCM56-RCF-13"]]),
        ("ref", ["ref", {"ref": "SCM56-RCF-13"}]),
        ("ref", ["ref", None]),
        ("ref", ["ref", 1.5]),
        ("ref", ["ref"]),
        ("ref", "ref"),
        ("ref", {"ref": "SCM56-RCF-13"}),
        # What this API never issues, though Python would read it.
        ("due_date", ["due_date", 0, "20260101", "SCM56-RCF-13"]),
        ("due_date", ["due_date", 0, 20260101, "SCM56-RCF-13"]),
        ("due_date", ["due_date", 1, "2026-01-01", "SCM56-RCF-13"]),
        ("due_date", ["due_date", 0, None, "SCM56-RCF-13"]),
        ("due_date", ["due_date", 2, None, "SCM56-RCF-13"]),
        ("due_date", ["due_date", 0.0, "2026-01-01", "SCM56-RCF-13"]),
        ("updated_at", ["updated_at", "2026-01-01 00:00:00+00:00", "SCM56-RCF-13"]),
        ("updated_at", ["updated_at", "2026-01-01T09:00:00+09:00", "SCM56-RCF-13"]),
        ("updated_at", ["updated_at", 1767225600, "SCM56-RCF-13"]),
        ("updated_at", ["updated_at", "1900-01-01T00:00:00-01:00", "SCM56-RCF-13"]),
    ],
)
def test_forged_cursors_are_400_never_500(as_user, sort: str, payload: list) -> None:
    viewer = as_user("us-viewer")
    response = viewer.get(
        "/api/v1/commitments", params={"sort": sort, "cursor": forged_cursor(payload)}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/invalid-cursor")


def issued_cursor(client: TestClient, sort: str) -> str:
    page = client.get("/api/v1/commitments", params={"sort": sort, "limit": 2}).json()
    assert page["next_cursor"], page
    return page["next_cursor"]


# Characters a cursor never holds are refused by its schema (422); a cursor of the right
# characters that this API did not issue, by its decoding (400).
@pytest.mark.parametrize(
    ("forge", "status"),
    [
        pytest.param(lambda cursor: cursor + "\u0000", 422, id="nul-after"),
        pytest.param(lambda cursor: cursor[:4] + "\u0000" + cursor[4:], 422, id="nul-inside"),
        pytest.param(lambda cursor: cursor + "\u0001\u001f\u007f", 422, id="controls"),
        pytest.param(lambda cursor: cursor + "==", 422, id="padded"),
        pytest.param(lambda cursor: cursor + " ", 422, id="space"),
        pytest.param(lambda cursor: cursor + "+/", 422, id="std-b64"),
        pytest.param(lambda cursor: cursor + "é", 422, id="not-ascii"),
        pytest.param(lambda cursor: cursor[:-1], 400, id="cut"),
        pytest.param(lambda cursor: cursor + "A", 400, id="extended"),
        pytest.param(
            lambda cursor: base64.urlsafe_b64encode(b'["ref","SCM56\xff"]').decode().rstrip("="),
            400,
            id="not-utf8",
        ),
        pytest.param(
            lambda cursor: (
                base64.urlsafe_b64encode(b'["ref", "SCM56-RCF-13"]').decode().rstrip("=")
            ),
            400,
            id="json-respaced",
        ),
    ],
)
def test_only_the_cursors_the_api_issues_are_taken_back(as_user, forge, status: int) -> None:
    viewer = as_user("us-viewer")
    cursor = issued_cursor(viewer, "ref")
    assert viewer.get("/api/v1/commitments", params={"cursor": cursor}).status_code == 200
    response = viewer.get("/api/v1/commitments", params={"cursor": forge(cursor)})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if status == 400:
        assert response.json()["type"].endswith("/invalid-cursor")


def test_oversized_ids_in_bodies_are_422_and_change_nothing(as_user) -> None:
    editor = as_user("us-editor")
    made = make_commitment(editor)
    before = snapshot(editor, made["ref"])
    refused = [
        editor.post(
            "/api/v1/commitments",
            json={"title": "x", "parties": ["US"], "supporting_contacts": [BIG]},
        ),
        patch(editor, made["ref"], {"supporting_contacts": [99999999999999999999]}),
        patch(editor, made["ref"], {"supporting_contacts": [2**31]}),
        patch(editor, made["ref"], {"leads": [{"party": "US", "contact_id": 2**31}]}),
        editor.post(
            f"/api/v1/commitments/{made['ref']}/updates",
            json={"text": "corrects a note", "corrects": 99999999999999999999},
        ),
    ]
    for response in refused:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
    assert snapshot(editor, made["ref"]) == before


def test_the_schema_states_the_bounds(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    contacts = schemas["CommitmentCreate"]["properties"]["supporting_contacts"]["items"]
    assert (contacts["minimum"], contacts["maximum"]) == (1, 2**31 - 1)
    corrects = schemas["NoteCreate"]["properties"]["corrects"]["anyOf"][0]
    assert re.match(corrects["pattern"], "N" * 22)
    assert not re.match(corrects["pattern"], "N" * 23)
    expires = schemas["TokenCreate"]["properties"]["expires_at"]["anyOf"][0]
    assert re.match(expires["pattern"], "2027-06-30T00:00:00Z")
    assert not re.match(expires["pattern"], FAR_INSTANT)


def test_a_note_as_of_far_from_today_is_refused(as_user) -> None:
    editor = as_user("us-editor")
    made = make_commitment(editor)
    for day in ("2999-01-01", "1901-01-01"):
        response = editor.post(
            f"/api/v1/commitments/{made['ref']}/updates", json={"text": "x", "as_of": day}
        )
        assert response.status_code == 422, response.text
    assert editor.get(f"/api/v1/commitments/{made['ref']}/updates").json()["items"] == []


def test_new_references_do_not_count_the_hidden_ones(as_user) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    first = make_commitment(jp, parties=["JP"])["ref"]
    for _ in range(3):
        make_commitment(us)
    second = make_commitment(jp, parties=["JP"])["ref"]
    for ref in (first, second):
        assert re.fullmatch(r"AC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", ref), ref
    assert first != second


def test_cursors_carry_only_what_the_caller_was_shown(as_user) -> None:
    viewer = as_user("rok-viewer")
    for sort in ("ref", "-due_date", "updated_at"):
        page = viewer.get("/api/v1/commitments", params={"sort": sort, "limit": 3}).json()
        payload = json.loads(base64.urlsafe_b64decode(page["next_cursor"] + "=="))
        last = page["items"][-1]
        assert payload[0] == sort
        assert payload[-1] == last["ref"], payload
        # No row id: only the last row's own values, and the no-due-date flag.
        assert not any(isinstance(value, int) and value > 1 for value in payload), payload


def test_paging_by_every_sort_visits_each_visible_commitment_once(as_user) -> None:
    viewer = as_user("rok-viewer")
    everything = viewer.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
    for sort in ("ref", "-ref", "due_date", "-due_date", "updated_at", "-updated_at"):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 7} | ({"cursor": cursor} if cursor else {})
            page = viewer.get("/api/v1/commitments", params=params).json()
            seen += [item["ref"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(item["ref"] for item in everything), sort
        assert len(seen) == len(set(seen)), sort


def backdate_creation(database: Database, ref: str, days: int) -> date:
    """Move a commitment's first version `days` into the past (the API only writes now)."""
    with database.transaction() as session:
        commitment_id = session.exec(select(Commitment.id).where(Commitment.ref == ref)).one()
        for entry in session.exec(
            select(CommitmentHistory).where(
                CommitmentHistory.commitment_id == commitment_id, CommitmentHistory.version == 1
            )
        ):
            entry.changed_at -= timedelta(days=days)
            session.add(entry)
    return date.today() - timedelta(days=days)


def test_releasing_a_commitment_does_not_release_its_past(as_user, database: Database) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    made = make_commitment(us, title="Earlier U.S.-only title")
    created_on = backdate_creation(database, made["ref"], days=10)
    note = us.post(
        f"/api/v1/commitments/{made['ref']}/updates", json={"text": "U.S.-only deliberations"}
    )
    assert note.status_code == 201
    assert patch(us, made["ref"], {"title": "Title as released"}).status_code == 200
    assert patch(us, made["ref"], {"releasable_to": ["JP", "US"]}).status_code == 200

    current, entries, notes = snapshot(jp, made["ref"])
    assert current["title"] == "Title as released"
    assert notes == []
    assert all(entry["field"] != "created" for entry in entries)
    assert "Earlier U.S.-only title" not in json.dumps(entries)
    assert {entry["field"] for entry in entries} == {"releasable_to"}
    today = current["updated_at"][:10]
    before_release = (created_on + timedelta(days=2)).isoformat()
    as_of = jp.get(f"/api/v1/commitments/{made['ref']}", params={"as_of": before_release})
    assert as_of.status_code == 404
    assert (
        us.get(f"/api/v1/commitments/{made['ref']}", params={"as_of": before_release}).json()[
            "title"
        ]
        == "Earlier U.S.-only title"
    )
    assert jp.get(f"/api/v1/commitments/{made['ref']}", params={"as_of": today}).status_code == 200
    corrects = jp.post(
        f"/api/v1/commitments/{made['ref']}/updates",
        json={"text": "JP cannot correct what it cannot see", "corrects": note.json()["id"]},
    )
    assert corrects.status_code in (403, 422)
    # The U.S. still sees everything.
    _, us_entries, us_notes = snapshot(us, made["ref"])
    assert [n["text"] for n in us_notes] == ["U.S.-only deliberations"]
    assert any(entry["field"] == "created" for entry in us_entries)


def test_a_change_that_releases_shows_the_new_party_only_its_new_values(
    as_user, app: FastAPI, database: Database
) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    made = make_commitment(us, title="Old U.S.-only title", description="Old U.S.-only description")
    created_on = backdate_creation(database, made["ref"], days=10)
    earlier = patch(us, made["ref"], {"description": "Earlier U.S.-only wording"})
    assert earlier.status_code == 200, earlier.text
    released = patch(
        us,
        made["ref"],
        {
            "title": "Title as released",
            "description": "Description as released",
            "status": "in_progress",
            "releasable_to": ["JP", "US"],
        },
    )
    assert released.status_code == 200, released.text

    _, entries, _ = snapshot(jp, made["ref"])
    shown = json.dumps(entries)
    for old in ("Old U.S.-only", "Earlier U.S.-only wording", "not_started"):
        assert old not in shown, old
    assert {entry["version"] for entry in entries} == {released.json()["version"]}
    assert {entry["field"] for entry in entries} >= {"title", "description", "status"}
    assert all(entry["old_value"] is None for entry in entries), entries
    assert {e["field"]: e["new_value"] for e in entries}["title"] == "Title as released"
    with TestClient(app) as browser:
        sign_in(browser, TOKENS["jp-editor"])
        page = browser.get(f"/board/commitments/{made['ref']}")
    assert page.status_code == 200
    assert "Title as released" in page.text
    assert "Old U.S.-only" not in page.text
    assert "Earlier U.S.-only" not in page.text
    # Its state before the release answers JP as a ref that does not exist does.
    before_release = {"as_of": (created_on + timedelta(days=2)).isoformat()}
    past = jp.get(f"/api/v1/commitments/{made['ref']}", params=before_release)
    missing = jp.get("/api/v1/commitments/AC-0000-0000", params=before_release)
    assert past.status_code == missing.status_code == 404
    assert past.text.replace(made["ref"], "AC-0000-0000") == missing.text
    # A later change shows JP both sides: it could see the record before it.
    assert patch(us, made["ref"], {"title": "Retitled after release"}).status_code == 200
    _, entries, _ = snapshot(jp, made["ref"])
    assert [(e["old_value"], e["new_value"]) for e in entries if e["field"] == "title"] == [
        (None, "Title as released"),
        ("Title as released", "Retitled after release"),
    ]
    # The U.S. still sees every change, both sides.
    _, us_entries, _ = snapshot(us, made["ref"])
    us_shown = json.dumps(us_entries)
    for old in ("Old U.S.-only title", "Earlier U.S.-only wording", "not_started"):
        assert old in us_shown, old


def test_a_release_can_include_the_past(as_user) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    made = make_commitment(us)
    us.post(f"/api/v1/commitments/{made['ref']}/updates", json={"text": "shared background"})
    released = patch(us, made["ref"], {"releasable_to": ["JP", "US"], "release_history": True})
    assert released.status_code == 200, released.text
    _, entries, notes = snapshot(jp, made["ref"])
    assert [n["text"] for n in notes] == ["shared background"]
    assert any(entry["field"] == "created" for entry in entries)


def test_past_reports_leave_out_what_was_released_later(as_user, database: Database) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    made = make_commitment(us, title="Released today")
    created_on = backdate_creation(database, made["ref"], days=10)
    params = {"group_by": "status", "q": "released today"}
    before_release = {"as_of": (created_on + timedelta(days=2)).isoformat()}
    assert (
        us.get("/api/v1/reports/summary", params=params | before_release).json()["totals"]["total"]
        == 1
    )
    patch(us, made["ref"], {"releasable_to": ["JP", "US"]})
    assert jp.get("/api/v1/reports/summary", params=params).json()["totals"]["total"] == 1
    past = jp.get("/api/v1/reports/summary", params=params | before_release)
    assert past.status_code == 200
    assert past.json()["totals"]["total"] == 0


def test_an_editor_cannot_cut_its_ally_out(as_user, client: TestClient) -> None:
    rok, us = as_user("rok-editor"), as_user("us-editor")
    made = make_commitment(us, parties=["ROK", "US"])
    before = snapshot(us, made["ref"])
    for changes in (
        {"parties": ["ROK"], "releasable_to": ["ROK"]},
        {"parties": ["ROK"]},
    ):
        response = patch(rok, made["ref"], changes)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
    assert snapshot(us, made["ref"]) == before
    # Widening stays open to editors; withdrawing another party is for administrators.
    assert patch(rok, made["ref"], {"releasable_to": ["JP", "ROK", "US"]}).status_code == 200
    assert patch(rok, made["ref"], {"releasable_to": ["ROK", "US"]}).status_code == 403
    narrowed = patch(client, made["ref"], {"parties": ["ROK"], "releasable_to": ["ROK"]})
    assert narrowed.status_code == 200, narrowed.text
    entries = client.get(f"/api/v1/commitments/{made['ref']}/history").json()["items"]
    assert any(e["field"] == "parties" and e["actor"] == "admin" for e in entries)


def test_archived_commitments_are_hidden_from_the_past_view_too(
    as_user, client: TestClient
) -> None:
    us = as_user("us-editor")
    made = make_commitment(us)
    etag = client.get(f"/api/v1/commitments/{made['ref']}").headers["etag"]
    assert (
        client.delete(f"/api/v1/commitments/{made['ref']}", headers={"If-Match": etag}).status_code
        == 200
    )
    today = made["created_at"][:10]
    for path, params in (
        (f"/api/v1/commitments/{made['ref']}", {}),
        (f"/api/v1/commitments/{made['ref']}", {"as_of": today}),
        (f"/api/v1/commitments/{made['ref']}/history", {}),
    ):
        assert us.get(path, params=params).status_code == 404, (path, params)
    assert (
        client.get(f"/api/v1/commitments/{made['ref']}", params={"as_of": today}).status_code == 200
    )


def without_request_id(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "x-request-id"}


def test_a_hidden_commitment_takes_the_path_of_a_missing_one(
    as_user, app: FastAPI, database: Database
) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    hidden = make_commitment(us, title="U.S.-only commitment")["ref"]
    missing = "AC-0000-0000"
    sent: list[str] = []

    def capture(_connection, _cursor, statement: str, *_) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(database.reader, "before_cursor_execute", capture)
    try:
        with TestClient(app) as browser:
            sign_in(browser, TOKENS["jp-editor"])
            for client, path in (
                (jp, "/api/v1/commitments/{}"),
                (jp, "/api/v1/commitments/{}/history"),
                (jp, "/api/v1/commitments/{}/updates"),
                (browser, "/board/commitments/{}"),
            ):
                answers, statements = {}, {}
                for ref in (hidden, missing):
                    sent.clear()
                    answers[ref] = client.get(path.format(ref))
                    statements[ref] = list(sent)
                shown, absent = answers[hidden], answers[missing]
                assert shown.status_code == absent.status_code == 404, path
                assert shown.text.replace(hidden, missing) == absent.text, path
                assert without_request_id(shown.headers) == without_request_id(absent.headers)
                assert statements[hidden] == statements[missing], path
                # Wherever a statement looks the ref up, the audience's condition comes with
                # it: the database does no more for a hidden row than for a missing one.
                for statement in statements[hidden]:
                    by_ref = len(re.findall(r"commitment\.ref = ", statement))
                    audience = len(re.findall(r"commitment_releasability\.party_id = ", statement))
                    assert by_ref <= audience, (path, statement)
    finally:
        event.remove(database.reader, "before_cursor_execute", capture)


def test_notes_are_named_by_opaque_ids_that_count_nothing(as_user) -> None:
    us, jp = as_user("us-editor"), as_user("jp-editor")
    mine = make_commitment(jp, parties=["JP"])["ref"]
    first = jp.post(f"/api/v1/commitments/{mine}/updates", json={"text": "first"})
    assert first.status_code == 201, first.text
    hidden = make_commitment(us)["ref"]
    for text in ("hidden one", "hidden two"):
        assert us.post(f"/api/v1/commitments/{hidden}/updates", json={"text": text}).is_success
    second = jp.post(
        f"/api/v1/commitments/{mine}/updates",
        json={"text": "second, correcting the first", "corrects": first.json()["id"]},
    )
    assert second.status_code == 201, second.text
    ids = [first.json()["id"], second.json()["id"]]
    for note_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", note_id), note_id
    assert second.json()["corrects"] == ids[0]
    notes = jp.get(f"/api/v1/commitments/{mine}/updates").json()["items"]
    assert [(n["id"], n["corrects"], n["corrected_by"]) for n in notes] == [
        (ids[0], None, [ids[1]]),
        (ids[1], ids[0], []),
    ]
    history = jp.get(f"/api/v1/commitments/{mine}/history").json()["items"]
    assert [e["new_value"] for e in history if e["field"] == "note"] == ids
    # A note is referred to by its public id only; another's, or an integer, is no note of it.
    hidden_note = us.get(f"/api/v1/commitments/{hidden}/updates").json()["items"][0]["id"]
    for corrects in (hidden_note, 1):
        refused = jp.post(
            f"/api/v1/commitments/{mine}/updates", json={"text": "x", "corrects": corrects}
        )
        assert refused.status_code == 422, refused.text
