"""Roles on the board: a viewer writes nothing through any form, whatever it sends; an editor
(an administrator, for meetings) writes through the same forms."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.metadata import metadata
from tests.board.conftest import csrf_of
from tests.factories import make_commitment, make_contact, make_document

Browsers = Callable[[str], TestClient]
Users = Callable[[str], TestClient]

# What a sign-in, a page view or an API call may change: none of it is a write of the register.
BOOKKEEPING = {"board_session", "api_token", "job_run", "register_state"}


def register_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the register, in key order."""
    with database.reader.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


@dataclass(frozen=True)
class Scene:
    """A commitment of the U.S. and the ROK, a U.S. contact, a statement both issued with
    candidates of the U.S. still to decide, and a meeting."""

    ref: str
    version: int
    contact: int
    slug: str
    ours: list[int]
    meeting: str
    meeting_version: int


@pytest.fixture
def scene(as_user: Users) -> Scene:
    editor = as_user("us-editor")
    created = make_commitment(
        editor,
        title="Open a liaison office",
        quote="The two sides will open a liaison office.",
        parties=["US", "ROK"],
        releasable_to=["US", "ROK"],
    )
    taken = make_document(editor)
    meeting = as_user("admin").get("/api/v1/meetings").json()["items"][0]
    return Scene(
        ref=created["ref"],
        version=created["version"],
        contact=make_contact(editor, name="Jane Doe", party="US"),
        slug=taken["document"]["slug"],
        ours=[c["number"] for c in taken["candidates"] if "US" in c["obligors"]],
        meeting=meeting["key"],
        meeting_version=meeting["version"],
    )


Form = tuple[str, dict[str, Any]]


def _commitment(scene: Scene, action: str, fields: dict[str, Any]) -> Form:
    return f"/board/commitments/{scene.ref}/{action}", {"version": scene.version, **fields}


def _candidates(scene: Scene, action: str, fields: dict[str, Any]) -> Form:
    return f"/board/documents/{scene.slug}/candidates/{action}", fields


# Every board form that writes, with what an officer would send; and who may send it.
FORMS: dict[str, tuple[Callable[[Scene], Form], str]] = {
    "note": (lambda s: _commitment(s, "notes", {"text": "Office leased"}), "us-editor"),
    "status": (
        lambda s: _commitment(s, "notes", {"text": "Dropped", "status": "cancelled"}),
        "us-editor",
    ),
    "title": (
        lambda s: _commitment(
            s, "edit", {"title": "Close the office", "was_title": "Open a liaison office"}
        ),
        "us-editor",
    ),
    "due date": (
        lambda s: _commitment(s, "edit", {"due_date": "2027-06-30", "was_due_date": ""}),
        "us-editor",
    ),
    "leads": (
        lambda s: _commitment(
            s,
            "edit",
            {"lead_party": "US", "lead_contact": str(s.contact), "was_lead_contact": ""},
        ),
        "us-editor",
    ),
    "assessment": (
        lambda s: _commitment(
            s, "assessments/US", {"compliance": "1", "completion": "complete", "evidence": "Done"}
        ),
        "us-editor",
    ),
    "accept": (lambda s: _candidates(s, f"{s.ours[0]}/accept", {}), "us-editor"),
    "reject": (lambda s: _candidates(s, f"{s.ours[0]}/reject", {"reason": "No"}), "us-editor"),
    "merge": (lambda s: _candidates(s, f"{s.ours[0]}/merge", {"ref": s.ref}), "us-editor"),
    "bulk accept": (lambda s: _candidates(s, "accept", {"numbers": s.ours[:2]}), "us-editor"),
    "meeting date": (
        lambda s: (
            f"/board/meetings/{s.meeting}",
            {"held_on": "2027-10-15", "place": "Seoul", "version": s.meeting_version},
        ),
        "admin",
    ),
}


def send(browser: TestClient, form: Form) -> Any:
    path, fields = form
    token = csrf_of(browser.get("/board/work").text)
    return browser.post(path, data={**fields, "csrf": token}, follow_redirects=False)


@pytest.mark.parametrize("name", FORMS)
def test_a_viewer_of_an_obligor_party_writes_nothing_through_a_board_form(
    name: str, scene: Scene, board: Browsers, database: Database
) -> None:
    build, _ = FORMS[name]
    viewer = board("us-viewer")
    # The viewer may read everything the form is about.
    assert viewer.get(f"/board/commitments/{scene.ref}").status_code == 200
    assert viewer.get(f"/board/documents/{scene.slug}/review").status_code == 200
    before = register_rows(database)
    answer = send(viewer, build(scene))
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Not allowed" in answer.text
    assert register_rows(database) == before


@pytest.mark.parametrize("name", FORMS)
def test_the_same_form_writes_for_the_role_it_needs(
    name: str, scene: Scene, board: Browsers, database: Database
) -> None:
    build, role = FORMS[name]
    before = register_rows(database)
    answer = send(board(role), build(scene))
    assert answer.status_code == 303, answer.text
    assert register_rows(database) != before


def test_a_viewer_is_offered_no_form_that_writes(scene: Scene, board: Browsers) -> None:
    viewer = board("us-viewer")
    pages = [
        f"/board/commitments/{scene.ref}",
        f"/board/documents/{scene.slug}/review",
        "/board/meetings",
    ]
    for page in pages:
        shown = viewer.get(page).text
        actions = [part.split('"')[0] for part in shown.split('method="post" action="')[1:]]
        assert actions == ["/board/sign-out"], (page, actions)
