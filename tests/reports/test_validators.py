"""Entity tags tell a caller nothing its own body does not: a write it cannot see leaves every
tag it reads as it was, and no tag can be computed from what the register holds beyond the
body (its change counter above all)."""

import hashlib
import importlib.metadata
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.cache import AnswerKey
from app.core.config import Settings
from app.core.db import Database
from app.core.etags import strong_etag
from app.core.time import today
from app.main import create_app
from tests.conftest import signed_in

TAGGED_READS = [
    "/api/v1/reports/overdue",
    "/api/v1/reports/deadlines",
    "/api/v1/reports/deadlines?include_open=false",
    "/api/v1/reports/summary",
    "/api/v1/reports/summary?group_by=party",
    "/api/v1/reports/cycle?meeting=SCM-57",
    "/api/v1/commitments",
    "/api/v1/commitments?sort=-due_date&limit=5",
]
VIEWER = "rok-viewer"


@pytest.fixture(
    params=[(64, True), (0, True), (0, False)],
    ids=["cache on", "direct reads", "routes only"],
)
def any_app(request: pytest.FixtureRequest, settings: Settings) -> FastAPI:
    cache_mb, direct = request.param
    return create_app(
        settings.model_copy(update={"response_cache_mb": cache_mb, "direct_reads": direct})
    )


@pytest.fixture
def as_user_of(any_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    with signed_in(any_app) as client_for:
        yield client_for


def hidden_writes(editor: TestClient) -> None:
    """Writes the viewer's party cannot see: a new overdue U.S.-only commitment, then a change
    to it."""
    due = (today() - timedelta(days=30)).isoformat()
    made = editor.post(
        "/api/v1/commitments",
        json={
            "title": "U.S.-only, late",
            "parties": ["US"],
            "releasable_to": ["US"],
            "due_date": due,
        },
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/commitments/{made.json()['ref']}"
    changed = editor.patch(
        url, json={"status": "in_progress"}, headers={"If-Match": made.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text


def snapshot(client: TestClient, paths: list[str]) -> dict[str, tuple[int, str, bytes]]:
    answers = {path: client.get(path) for path in paths}
    return {
        path: (r.status_code, r.headers.get("etag", ""), r.content) for path, r in answers.items()
    }


def test_a_write_the_caller_cannot_see_leaves_every_tag_it_reads_unchanged(as_user_of) -> None:
    viewer = as_user_of(VIEWER)
    visible = viewer.get("/api/v1/commitments", params={"limit": 1}).json()["items"][0]["ref"]
    paths = [*TAGGED_READS, f"/api/v1/commitments/{visible}"]
    before = snapshot(viewer, paths)
    assert all(status == 200 and tag for status, tag, _ in before.values()), before
    hidden_writes(as_user_of("us-editor"))
    after = snapshot(viewer, paths)
    for path in paths:
        assert after[path] == before[path], path
        again = viewer.get(path, headers={"If-None-Match": before[path][1]})
        assert (again.status_code, again.headers["etag"]) == (304, before[path][1]), path


def test_a_write_the_caller_sees_changes_the_overdue_tag(as_user_of) -> None:
    viewer = as_user_of(VIEWER)
    path = "/api/v1/reports/overdue"
    tag = viewer.get(path).headers["etag"]
    due = (today() - timedelta(days=3)).isoformat()
    made = as_user_of("rok-editor").post(
        "/api/v1/commitments",
        json={"title": "Allied, late", "parties": ["US", "ROK"], "due_date": due},
    )
    assert made.status_code == 201, made.text
    answer = viewer.get(path, headers={"If-None-Match": tag})
    assert answer.status_code == 200
    assert made.json()["ref"] in answer.text
    assert answer.headers["etag"] != tag


@pytest.mark.parametrize("path", TAGGED_READS)
def test_a_tag_is_the_hash_of_the_body_sent_not_of_the_register(
    as_user, database: Database, path: str
) -> None:
    answer = as_user(VIEWER).get(path)
    digest = hashlib.blake2b(answer.content, digest_size=12).hexdigest()
    assert answer.headers["etag"] == f'"{digest}"'


def test_the_overdue_tag_is_not_the_one_derived_from_the_change_counter(
    as_user, settings: Settings, database: Database
) -> None:
    """It was a hash of the caller's audience, the address, the counter, the day, the base of
    links and the release: all of them known or guessable, so the counter could be found."""
    path = "/api/v1/reports/overdue"
    tag = as_user(VIEWER).get(path).headers["etag"]
    with database.reader.connect() as connection:
        changes = connection.execute(text("SELECT changes FROM register_state")).scalar_one()
        party = connection.execute(text("SELECT id FROM party WHERE code = 'ROK'")).scalar_one()
    release = importlib.metadata.version("alliance-commitments")
    for guess in range(max(0, changes - 50), changes + 50):
        key = AnswerKey(f"party:{party}", path, (), guess, today())
        assert strong_etag(repr((key, settings.public_url, release)).encode()) != tag
