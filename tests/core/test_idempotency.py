"""Requests that create, sent again with the same Idempotency-Key, are done once and answered
as they were the first time; over HTTP, on every endpoint that creates."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import problem_type
from app.database_schema import upgrade
from app.main import create_app
from tests.cli.test_cli import run
from tests.conftest import SEEDS_DIR, TOKENS, bearer
from tests.ingest.statements import JOINT_STATEMENT

Users = Callable[[str], TestClient]
REF = "SCM56-RCF-13"
OTHER_REF = "SCM56-RCF-14"
DOCUMENTS = "/api/v1/documents"
STATEMENT = {
    "title": "Joint statement",
    "publisher": "Ministry",
    "issued_on": "2026-11-01",
    "parties": ["US", "ROK"],
    "text": JOINT_STATEMENT,
}


def footprint(database: Database) -> tuple[int, ...]:
    """What a request that creates can leave behind, counted."""
    with database.reader.connect() as connection:
        return tuple(
            connection.execute(text(query)).scalar_one()
            for query in (
                "SELECT count(*) FROM commitment",
                "SELECT count(*) FROM progress_note",
                "SELECT count(*) FROM source_document",
                "SELECT count(*) FROM candidate WHERE state <> 'proposed'",
                "SELECT count(*) FROM idempotent_answer",
            )
        )


def taken_in(editor: TestClient) -> tuple[str, list[int]]:
    response = editor.post(DOCUMENTS, json=STATEMENT)
    assert response.status_code == 201, response.text
    taken = response.json()
    return taken["document"]["slug"], [c["number"] for c in taken["candidates"]]


@dataclass(frozen=True)
class Creating:
    """An endpoint that creates: where to send, a body, and another body."""

    path: str
    body: dict[str, Any]
    other: dict[str, Any]


def commitment(_: TestClient) -> Creating:
    return Creating(
        "/api/v1/commitments",
        {"title": "Open a liaison office", "parties": ["US"]},
        {"title": "Open two liaison offices", "parties": ["US"]},
    )


def note(_: TestClient) -> Creating:
    return Creating(
        f"/api/v1/commitments/{REF}/updates", {"text": "Lease signed"}, {"text": "Lease lapsed"}
    )


def statement(_: TestClient) -> Creating:
    return Creating(DOCUMENTS, STATEMENT, {**STATEMENT, "title": "Another title"})


def accepted(editor: TestClient) -> Creating:
    slug, numbers = taken_in(editor)
    return Creating(
        f"{DOCUMENTS}/{slug}/candidates/{numbers[0]}/accept",
        {"title": "Accepted as proposed"},
        {"title": "Accepted with another title"},
    )


def accepted_many(editor: TestClient) -> Creating:
    slug, numbers = taken_in(editor)
    return Creating(
        f"{DOCUMENTS}/{slug}/candidates/accept",
        {"numbers": numbers[:1]},
        {"numbers": numbers[1:2]},
    )


def rejected(editor: TestClient) -> Creating:
    slug, numbers = taken_in(editor)
    return Creating(
        f"{DOCUMENTS}/{slug}/candidates/{numbers[0]}/reject",
        {"reason": "Not a commitment"},
        {"reason": "A duplicate"},
    )


def merged(editor: TestClient) -> Creating:
    slug, numbers = taken_in(editor)
    return Creating(
        f"{DOCUMENTS}/{slug}/candidates/{numbers[0]}/merge", {"ref": REF}, {"ref": OTHER_REF}
    )


ENDPOINTS = [commitment, note, statement, accepted, accepted_many, rejected, merged]


@pytest.mark.parametrize("creating", ENDPOINTS)
def test_the_same_key_and_body_replay_the_first_answer_and_write_once(
    as_user: Users, database: Database, creating: Callable[[TestClient], Creating]
) -> None:
    editor = as_user("us-editor")
    sent = creating(editor)
    before = footprint(database)
    first = editor.post(sent.path, json=sent.body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code in (200, 201), first.text
    assert "idempotent-replayed" not in first.headers
    after_first = footprint(database)
    assert after_first[-1] == before[-1] + 1
    again = editor.post(sent.path, json=sent.body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == first.status_code
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    for header in ("content-type", "location", "etag"):
        assert again.headers.get(header) == first.headers.get(header)
    assert footprint(database) == after_first


@pytest.mark.parametrize("creating", ENDPOINTS)
def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
    as_user: Users, database: Database, creating: Callable[[TestClient], Creating]
) -> None:
    editor = as_user("us-editor")
    sent = creating(editor)
    first = editor.post(sent.path, json=sent.body, headers={"Idempotency-Key": "k-2"})
    assert first.status_code in (200, 201), first.text
    before = footprint(database)
    other = editor.post(sent.path, json=sent.other, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == problem_type("idempotency-key-reused")
    assert footprint(database) == before


def test_a_key_is_the_callers_own(as_user: Users, database: Database) -> None:
    body = {"title": "Hold a joint exercise", "parties": ["US", "ROK"]}
    key = {"Idempotency-Key": "shared-key"}
    mine = as_user("us-editor").post("/api/v1/commitments", json=body, headers=key)
    theirs = as_user("rok-editor").post("/api/v1/commitments", json=body, headers=key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["ref"] != theirs.json()["ref"]
    replayed = as_user("rok-editor").post("/api/v1/commitments", json=body, headers=key)
    assert replayed.json()["ref"] == theirs.json()["ref"]
    # Another body under the key is refused only to the callers who used it.
    other = {"title": "Hold two joint exercises", "parties": ["US"]}
    refused = as_user("us-editor").post("/api/v1/commitments", json=other, headers=key)
    assert refused.status_code == 422
    fresh = as_user("admin").post("/api/v1/commitments", json=other, headers=key)
    assert fresh.status_code == 201, fresh.text
    assert footprint(database)[-1] == 3


def test_a_key_is_the_operations_own(as_user: Users) -> None:
    editor = as_user("us-editor")
    key = {"Idempotency-Key": "one-key"}
    here = editor.post(f"/api/v1/commitments/{REF}/updates", json={"text": "Met"}, headers=key)
    there = editor.post(
        f"/api/v1/commitments/{OTHER_REF}/updates", json={"text": "Met"}, headers=key
    )
    assert (here.status_code, there.status_code) == (201, 201)
    assert "idempotent-replayed" not in there.headers
    assert here.json()["id"] != there.json()["id"]


def test_a_quoted_key_is_the_same_key_bare(as_user: Users, database: Database) -> None:
    editor = as_user("us-editor")
    body = {"text": "Quoted or not"}
    path = f"/api/v1/commitments/{REF}/updates"
    first = editor.post(path, json=body, headers={"Idempotency-Key": '"a\\"b"'})
    again = editor.post(path, json=body, headers={"Idempotency-Key": 'a"b'})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


@pytest.mark.parametrize(
    "key",
    [
        b"",
        b"k" * 256,
        b'"' + b"k" * 256 + b'"',
        b"two words",
        b"caf\xc3\xa9",
        b'"unterminated',
        b'"ends"early"',
        b'"bad \\escape"',
        b'""',
    ],
)
def test_a_malformed_key_is_refused_and_writes_nothing(app, database: Database, key: bytes) -> None:
    before = footprint(database)
    with TestClient(app) as anyone:
        request = anyone.build_request(
            "POST",
            "/api/v1/commitments",
            json={"title": "Never", "parties": ["US"]},
            headers={"Authorization": f"Bearer {TOKENS['us-editor']}", "Idempotency-Key": key},
        )
        refused = anyone.send(request)
        assert refused.status_code == 400, refused.text
        assert refused.json()["type"] == problem_type("invalid-idempotency-key")
        # Without a valid token the caller learns only that.
        del request.headers["Authorization"]
        assert anyone.send(request).status_code == 401
    assert footprint(database) == before


def test_a_key_at_its_bound_and_several_keys(as_user: Users) -> None:
    editor = as_user("us-editor")
    body = {"title": "At the bound", "parties": ["US"]}
    longest = editor.post("/api/v1/commitments", json=body, headers={"Idempotency-Key": "k" * 255})
    assert longest.status_code == 201
    several = editor.post(
        "/api/v1/commitments",
        json=body,
        headers=[("Idempotency-Key", "one"), ("Idempotency-Key", "two")],
    )
    assert several.status_code == 400


def test_a_refused_request_leaves_its_key_free(as_user: Users, database: Database) -> None:
    """A refusal is not stored: the same key, sent when the request can succeed, does it."""
    editor = as_user("us-editor")
    path = f"/api/v1/commitments/{REF}/updates"
    key = {"Idempotency-Key": "after-a-refusal"}
    body = {"text": "Done", "status": "in_progress"}
    refused = editor.post(path, json=body, headers=key)
    assert refused.status_code == 428
    assert footprint(database)[-1] == 0
    version = editor.get(f"/api/v1/commitments/{REF}").json()["version"]
    done = editor.post(path, json=body, headers=key | {"If-Match": f'"{version}"'})
    assert done.status_code == 201, done.text
    assert "idempotent-replayed" not in done.headers


def test_requests_without_a_key_are_each_done(as_user: Users, database: Database) -> None:
    editor = as_user("us-editor")
    before = footprint(database)
    for _ in range(2):
        response = editor.post(f"/api/v1/commitments/{REF}/updates", json={"text": "Twice"})
        assert response.status_code == 201
    assert footprint(database)[1] == before[1] + 2
    assert footprint(database)[-1] == 0


def test_the_same_key_while_the_first_is_at_work_writes_once(
    as_user: Users, database: Database
) -> None:
    """The first request is held inside its transaction, just before its answer is stored:
    the second is refused (409) on PostgreSQL, or waits its turn for the writer's lock on
    SQLite and gets the answer replayed. Either way one note is written."""
    editor = as_user("us-editor")
    path = f"/api/v1/commitments/{REF}/updates"
    body = {"text": "Sent twice at once"}
    key = {"Idempotency-Key": "at-once"}
    inside, release = threading.Event(), threading.Event()

    def hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO idempotent_answer") and not inside.is_set():
            inside.set()
            release.wait(10)

    before = footprint(database)
    event.listen(database.reader, "before_cursor_execute", hold)
    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(editor.post, path, json=body, headers=key)
            assert inside.wait(10)
            second = pool.submit(editor.post, path, json=body, headers=key)
            if database.reader.dialect.name == "postgresql":
                refused = second.result(10)
                assert refused.status_code == 409
                assert refused.json()["type"] == problem_type("idempotency-key-in-flight")
                assert refused.headers["retry-after"] == "1"
            time.sleep(0.3)
            release.set()
            answered = first.result(10)
            assert answered.status_code == 201
            if database.reader.dialect.name == "sqlite":
                waited = second.result(10)
                assert waited.headers["idempotent-replayed"] == "true"
                assert waited.content == answered.content
    finally:
        release.set()
        event.remove(database.reader, "before_cursor_execute", hold)
    again = editor.post(path, json=body, headers=key)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == answered.content
    assert footprint(database)[1] == before[1] + 1


def _age(database: Database, hours: int) -> None:
    """Make every answer stored so far `hours` old."""
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE idempotent_answer SET created_at = :at"),
            {"at": datetime.now(UTC) - timedelta(hours=hours)},
        )


def test_a_key_past_its_retention_is_new_again_and_pruned(
    as_user: Users, database: Database, database_url: str
) -> None:
    editor = as_user("us-editor")
    path = f"/api/v1/commitments/{REF}/updates"
    key = {"Idempotency-Key": "old"}
    first = editor.post(path, json={"text": "Long ago"}, headers=key)
    _age(database, 25)
    again = editor.post(path, json={"text": "Long ago"}, headers=key)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert footprint(database)[-1] == 1
    _age(database, 25)
    fresh = editor.post(path, json={"text": "Now"}, headers={"Idempotency-Key": "fresh"})
    assert footprint(database)[-1] == 2
    pruned = run("jobs", "run", "prune", database_url=database_url)
    assert pruned.returncode == 0, pruned.stderr
    assert "1 idempotent answer(s)" in pruned.stdout
    assert footprint(database)[-1] == 1
    replayed = editor.post(path, json={"text": "Now"}, headers={"Idempotency-Key": "fresh"})
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == fresh.content


def test_the_retention_is_a_setting(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, seeds_dir=SEEDS_DIR, idempotency_retention_hours=1
    )
    app = create_app(settings)
    with TestClient(app, headers=bearer("us-editor")) as editor:
        path = f"/api/v1/commitments/{REF}/updates"
        key = {"Idempotency-Key": "short-lived"}
        editor.post(path, json={"text": "An hour"}, headers=key)
        _age(app.state.database, 2)
        again = editor.post(path, json={"text": "An hour"}, headers=key)
        assert again.status_code == 201
        assert "idempotent-replayed" not in again.headers


def test_the_header_is_in_the_schema_with_its_bound(anonymous: TestClient) -> None:
    schema = anonymous.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/commitments"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header["schema"]["maxLength"] == 512


def test_kept_answers_go_through_a_backup_and_replay_after_a_restore(
    as_user: Users, database_url: str, databases: Any, tmp_path: Path
) -> None:
    path = f"/api/v1/commitments/{REF}/updates"
    key = {"Idempotency-Key": "before-the-backup"}
    first = as_user("us-editor").post(path, json={"text": "Kept"}, headers=key)
    backup = tmp_path / "backup.json"
    exported = run("export", str(backup), database_url=database_url)
    assert exported.returncode == 0, exported.stderr
    restored = databases.blank()
    upgrade(restored)
    imported = run("import", str(backup), database_url=restored)
    assert imported.returncode == 0, imported.stderr
    app = create_app(Settings(database_url=restored, seeds_dir=SEEDS_DIR))
    with TestClient(app, headers=bearer("us-editor")) as editor:
        again = editor.post(path, json={"text": "Kept"}, headers=key)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.content == first.content
