"""The board during a database outage: a page an officer can read and go back from, with the
service's one answer (503, Retry-After), never the API's JSON."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.core.db import Database
from tests.board.conftest import form_of
from tests.board.test_pages import page_of
from tests.core.test_outages import fill_the_disk
from tests.factories import make_commitment


def test_a_note_saved_while_the_disk_is_full_is_answered_with_a_page(
    board: Callable[[str], TestClient], as_user: Callable[[str], TestClient], database: Database
) -> None:
    ref = make_commitment(as_user("us-editor"))["ref"]
    officer = board("us-editor")
    action = f"/board/commitments/{ref}/notes"
    page = page_of(officer, ref)
    fill_the_disk(database)
    answers = [
        officer.post(
            action,
            data=form_of(page, action, text=f"Note {n} " + "x" * 2000),
            follow_redirects=False,
        )
        for n in range(40)
    ]
    refused = [answer for answer in answers if answer.status_code != 303]
    assert refused, "the disk never filled"
    for answer in refused:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert "retry-after" in answer.headers
        assert "The database is unavailable" in answer.text
