"""Page and single-commitment statements are built once per shape and reused: what one caller's
statement was built with must never answer another caller, or another day."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import BuiltStatements
from tests.conftest import SEEDS_DIR
from tests.factories import make_commitment


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No answers from memory: every read below reaches the statements."""
    return Settings(database_url=database_url, seeds_dir=SEEDS_DIR, response_cache_mb=0)


def refs(client: TestClient, **params: object) -> list[str]:
    page = client.get("/api/v1/commitments", params={"limit": 200, **params})
    assert page.status_code == 200, page.text
    return [item["ref"] for item in page.json()["items"]]


@pytest.mark.parametrize("first", ["us-editor", "rok-editor"])
def test_a_page_built_for_one_party_never_answers_another(as_user, first: str) -> None:
    hidden = make_commitment(as_user("us-editor"), releasable_to=["US"], title="U.S.-only line")
    shared = make_commitment(as_user("us-editor"), releasable_to=["US", "ROK"], title="Shared line")
    readers = ["us-editor", "rok-editor"] if first == "us-editor" else ["rok-editor", "us-editor"]
    seen = {name: refs(as_user(name), q="line", sort="-updated_at") for name in readers}
    assert hidden["ref"] in seen["us-editor"]
    assert hidden["ref"] not in seen["rok-editor"]
    assert shared["ref"] in seen["rok-editor"]
    assert shared["ref"] in seen["us-editor"]


@pytest.mark.parametrize("first", ["us-editor", "rok-editor"])
def test_one_commitment_read_by_its_party_stays_hidden_from_another(as_user, first: str) -> None:
    hidden = make_commitment(as_user("us-editor"), releasable_to=["US"])
    url = f"/api/v1/commitments/{hidden['ref']}"
    readers = ["us-editor", "rok-editor"] if first == "us-editor" else ["rok-editor", "us-editor"]
    answers = {name: as_user(name).get(url) for name in readers}
    assert answers["us-editor"].status_code == 200
    assert answers["us-editor"].json()["ref"] == hidden["ref"]
    assert answers["rok-editor"].status_code == 404


def test_a_page_read_again_the_next_day_is_measured_against_that_day(
    as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = as_user("us-editor")
    now = datetime.now(UTC)
    due = make_commitment(editor, due_date=(now + timedelta(days=1)).date())
    assert due["ref"] not in refs(editor, overdue="true", sort="-updated_at")
    monkeypatch.setattr("app.core.time.utcnow", lambda: now + timedelta(days=2))
    assert due["ref"] in refs(editor, overdue="true", sort="-updated_at")


def test_kept_statements_are_bounded_and_the_least_recently_used_goes_first() -> None:
    built: list[str] = []

    def build(name: str) -> object:
        built.append(name)
        return object()

    kept: BuiltStatements[object] = BuiltStatements(2)
    first = kept.get("a", lambda: build("a"))
    kept.get("b", lambda: build("b"))
    assert kept.get("a", lambda: build("a")) is first
    kept.get("c", lambda: build("c"))  # drops b, used less recently than a
    assert kept.get("a", lambda: build("a")) is first
    kept.get("b", lambda: build("b"))
    assert built == ["a", "b", "c", "b"]
