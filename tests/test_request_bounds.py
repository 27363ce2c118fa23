"""Every string a caller sends fits the column it is stored in: at its bound it is stored, one
character more is a 422 that changes nothing (PostgreSQL raised on the overflow, a 500)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.board.conftest import csrf_of, sign_in
from tests.conftest import TOKENS, signed_in
from tests.ingest.statements import JOINT_STATEMENT

PROBLEM = "application/problem+json"
Users = Callable[[str], TestClient]
SITE = "https://example.org/"


def url_of(length: int) -> str:
    return SITE + "a" * (length - len(SITE))


def name_of(length: int) -> str:
    # Korean, as names and places can be: a character is not a byte.
    return "서" * length


Send = Callable[[str], Any]


def add_note(users: Users) -> Send:
    made = users("us-editor").post(
        "/api/v1/commitments", json={"title": "Open a liaison office", "parties": ["US"]}
    )
    assert made.status_code == 201, made.text
    path = f"/api/v1/commitments/{made.json()['ref']}/updates"
    return lambda value: users("us-editor").post(
        path, json={"text": "Lease signed", "evidence_url": value}
    )


def take_in(users: Users) -> Send:
    def send(value: str) -> Any:
        return users("us-editor").post(
            "/api/v1/documents",
            json={
                "title": "Joint statement",
                "publisher": "Ministry",
                "issued_on": "2026-11-01",
                "parties": ["US", "ROK"],
                "text": f"{JOINT_STATEMENT} {len(value)}",
                "url": value,
            },
        )

    return send


def add_contact(users: Users) -> Send:
    return lambda value: users("us-editor").post(
        "/api/v1/contacts", json={"name": value, "party": "US"}
    )


def rename_contact(users: Users) -> Send:
    made = add_contact(users)("Desk officer")
    assert made.status_code == 201, made.text
    path = f"/api/v1/contacts/{made.json()['id']}"

    def send(value: str) -> Any:
        etag = users("us-editor").get(path).headers["ETag"]
        return users("us-editor").patch(path, json={"name": value}, headers={"If-Match": etag})

    return send


def register_webhook(users: Users) -> Send:
    return lambda value: users("admin").post("/api/v1/webhooks", json={"url": value, "party": "US"})


def add_meeting(users: Users) -> Send:
    return lambda value: users("admin").post(
        "/api/v1/meetings", json={"series": "SCM", "number": 900 + len(value), "place": value}
    )


def move_meeting(users: Users) -> Send:
    path = "/api/v1/meetings/SCM-57"

    def send(value: str) -> Any:
        etag = users("admin").get(path).headers["ETag"]
        return users("admin").patch(path, json={"place": value}, headers={"If-Match": etag})

    return send


@dataclass(frozen=True)
class Bounded:
    """A field: how to send it (after any set-up), the tables it writes, its column's length."""

    sender: Callable[[Users], Send]
    value: Callable[[int], str]
    max_length: int
    tables: tuple[str, ...]


FIELDS = {
    "evidence-url": Bounded(add_note, url_of, 2000, ("progress_note", "commitment")),
    "document-url": Bounded(take_in, url_of, 500, ("source_document", "candidate")),
    "contact-name": Bounded(add_contact, name_of, 200, ("contact",)),
    "contact-rename": Bounded(rename_contact, name_of, 200, ("contact",)),
    "webhook-url": Bounded(register_webhook, url_of, 2000, ("webhook_endpoint",)),
    "meeting-place": Bounded(add_meeting, name_of, 200, ("meeting",)),
    "meeting-moved": Bounded(move_meeting, name_of, 200, ("meeting",)),
}


@pytest.fixture
def keyed_app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"webhook_key": SecretStr("test-webhook-key")}))


@pytest.fixture
def users(keyed_app: FastAPI) -> Iterator[Users]:
    with signed_in(keyed_app) as client_for:
        yield client_for


def rows(database: Database, tables: tuple[str, ...]) -> dict[str, list[Any]]:
    with database.reader.connect() as connection:
        return {
            table: [
                tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in tables
        }


def refused(response: Any) -> None:
    assert response.status_code == 422, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
def test_a_value_that_fills_its_column_is_stored_and_one_more_is_refused(
    users: Users, keyed_app: FastAPI, field: Bounded
) -> None:
    database: Database = keyed_app.state.database
    send = field.sender(users)
    before = rows(database, field.tables)
    refused(send(field.value(field.max_length + 1)))
    assert rows(database, field.tables) == before
    stored = send(field.value(field.max_length))
    assert stored.status_code in (200, 201), stored.text
    assert field.value(field.max_length) in stored.text


@pytest.mark.parametrize("field", ["evidence-url", "document-url", "webhook-url"])
def test_a_url_is_measured_as_it_is_stored(users: Users, keyed_app: FastAPI, field: str) -> None:
    """A URL is stored percent-encoded: nine characters for each Korean one."""
    bounded = FIELDS[field]
    database: Database = keyed_app.state.database
    encoded = SITE + "서" * ((bounded.max_length - len(SITE)) // 9 + 1)
    assert len(encoded) <= bounded.max_length
    send = bounded.sender(users)
    before = rows(database, bounded.tables)
    for value in (encoded, SITE + "a\u0000b", SITE + "\u0000", " " + SITE):
        refused(send(value))
    assert rows(database, bounded.tables) == before


def test_the_boards_meeting_form_refuses_a_place_longer_than_its_column(
    keyed_app: FastAPI, users: Users
) -> None:
    database: Database = keyed_app.state.database
    with TestClient(keyed_app) as browser:
        sign_in(browser, TOKENS["admin"])
        version = users("admin").get("/api/v1/meetings/SCM-57").json()["version"]
        form = {"held_on": "2027-10-15", "version": str(version)}
        before = rows(database, ("meeting",))
        too_long = browser.post(
            "/board/meetings/SCM-57",
            data=form
            | {"place": name_of(201), "csrf": csrf_of(browser.get("/board/meetings").text)},
            follow_redirects=False,
        )
        assert too_long.status_code == 422, too_long.text[:300]
        assert rows(database, ("meeting",)) == before
        fits = browser.post(
            "/board/meetings/SCM-57",
            data=form
            | {"place": name_of(200), "csrf": csrf_of(browser.get("/board/meetings").text)},
            follow_redirects=False,
        )
        assert fits.status_code == 303, fits.text[:300]
    assert users("admin").get("/api/v1/meetings/SCM-57").json()["place"] == name_of(200)


def statement(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Joint statement",
        "publisher": "Ministry",
        "issued_on": "2026-11-01",
        "parties": ["US", "ROK"],
        "text": JOINT_STATEMENT,
        **fields,
    }


def test_a_statements_language_tag_fits_its_column(users: Users, keyed_app: FastAPI) -> None:
    database: Database = keyed_app.state.database
    editor = users("us-editor")
    before = rows(database, ("source_document", "candidate"))
    refused(editor.post("/api/v1/documents", json=statement(language="en-abcdefgh-abcde")))
    refused(editor.post("/api/v1/documents", params={"language": "en-" + "abcdefgh-" * 4}))
    assert rows(database, ("source_document", "candidate")) == before
    taken = editor.post("/api/v1/documents", json=statement(language="en-abcdefgh-abcd"))
    assert taken.status_code == 201, taken.text
    assert taken.json()["document"]["language"] == "en-abcdefgh-abcd"


def test_a_nul_never_reaches_the_database(users: Users, keyed_app: FastAPI) -> None:
    """PostgreSQL cannot take a NUL in text: it is refused, on every channel, before SQL."""
    database: Database = keyed_app.state.database
    tables = ("source_document", "candidate", "commitment", "progress_note")
    editor = users("us-editor")
    taken = editor.post("/api/v1/documents", json=statement()).json()
    slug, number = taken["document"]["slug"], taken["candidates"][0]["number"]
    before = rows(database, tables)
    refused(editor.post("/api/v1/documents", json=statement(text=JOINT_STATEMENT + "\u0000")))
    refused(
        editor.post(
            "/api/v1/documents",
            params={"title": "Joint statement", "publisher": "Ministry", "issued_on": "2026-11-01"},
            content=(JOINT_STATEMENT + "\u0000").encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    )
    with TestClient(keyed_app) as browser:
        sign_in(browser, TOKENS["us-editor"])
        csrf = csrf_of(browser.get(f"/board/documents/{slug}/review").text)
        base = f"/board/documents/{slug}/candidates"
        for path, form in (
            (f"{base}/{number}/reject", {"reason": "not a commitment\u0000"}),
            (f"{base}/{2**70}/reject", {"reason": "not a commitment"}),
            (f"{base}/{2**70}/merge", {"ref": "SCM56-RCF-13"}),
            (f"{base}/accept", {"numbers": [number, 2**70]}),
        ):
            answer = browser.post(path, data=form | {"csrf": csrf}, follow_redirects=False)
            assert answer.status_code == 422, (path, answer.status_code, answer.text[:300])
    assert rows(database, tables) == before
