"""Answers from memory while nothing changed: the change counter, the response cache, and
entity tags that change whenever the body does."""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.cache import AnswerKey, Rendered, ResponseCache
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.conftest import bearer, signed_in
from tests.factories import make_commitment


def changes(database: Database) -> int:
    with database.reader.connect() as connection:
        return connection.execute(text("SELECT changes FROM register_state")).scalar_one()


@pytest.fixture(params=[64, 0], ids=["cache on", "cache off"])
def any_app(request: pytest.FixtureRequest, settings: Settings) -> FastAPI:
    """The app with the response cache on and off: the answers must not differ."""
    return create_app(settings.model_copy(update={"response_cache_mb": request.param}))


@pytest.fixture
def as_user_of(any_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    with signed_in(any_app) as client_for:
        yield client_for


def test_every_write_raises_the_counter_once_and_reads_and_refusals_do_not(
    as_user, database: Database
) -> None:
    editor = as_user("us-editor")
    before = changes(database)
    assert editor.get("/api/v1/commitments").status_code == 200
    assert editor.get("/api/v1/me").status_code == 200  # records the token's use: no change
    assert changes(database) == before
    made = make_commitment(editor, releasable_to=["US"])
    assert changes(database) == before + 1
    url = f"/api/v1/commitments/{made['ref']}"
    assert editor.patch(url, json={"title": "x"}, headers={"If-Match": '"99"'}).status_code == 412
    assert editor.post("/api/v1/contacts", json={"name": "", "party": "US"}).status_code == 422
    assert changes(database) == before + 1
    assert editor.post(f"{url}/updates", json={"text": "Drafted."}).status_code == 201
    contact = editor.post("/api/v1/contacts", json={"name": "J5 desk", "party": "US"})
    assert contact.status_code == 201
    assert changes(database) == before + 3


def test_a_list_page_has_a_strong_etag_and_answers_304_until_the_register_changes(
    as_user_of,
) -> None:
    editor = as_user_of("us-editor")
    made = make_commitment(editor, releasable_to=["US"])
    params = {"sort": "-updated_at", "limit": 5}
    first = editor.get("/api/v1/commitments", params=params)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    again = editor.get("/api/v1/commitments", params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert not again.content
    url = f"/api/v1/commitments/{made['ref']}"
    current = editor.get(url).headers["etag"]
    renamed = editor.patch(url, json={"title": "Renamed"}, headers={"If-Match": current})
    assert renamed.status_code == 200, renamed.text
    changed = editor.get("/api/v1/commitments", params=params, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["items"][0]["title"] == "Renamed"
    assert changed.headers["etag"] != etag


def test_a_renamed_lead_contact_changes_the_commitments_etag(as_user_of) -> None:
    editor = as_user_of("us-editor")
    contact = editor.post("/api/v1/contacts", json={"name": "J5 desk", "party": "US"}).json()
    made = make_commitment(editor, releasable_to=["US"], leads={"US": contact["id"]})
    url = f"/api/v1/commitments/{made['ref']}"
    read = editor.get(url)
    renamed = editor.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"name": "J5 Korea desk"},
        headers={"If-Match": f'"{contact["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    after = editor.get(url, headers={"If-None-Match": read.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["leads"][0]["contact"]["name"] == "J5 Korea desk"
    assert after.headers["etag"] != read.headers["etag"]
    # The commitment itself did not change: a tag read before the rename still guards it.
    edited = editor.patch(url, json={"title": "x"}, headers={"If-Match": read.headers["etag"]})
    assert edited.status_code == 200
    stale = editor.patch(url, json={"title": "y"}, headers={"If-Match": read.headers["etag"]})
    assert stale.status_code == 412


def test_the_passing_of_a_day_changes_the_etag_of_a_cycle_falling_due(
    as_user_of, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = as_user_of("us-editor")
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    made = make_commitment(
        editor, releasable_to=["US"], recurrence={"every": "quarter", "start": tomorrow}
    )
    url = f"/api/v1/commitments/{made['ref']}"
    today = editor.get(url)
    params = {"sort": "-updated_at", "limit": 3}
    page = editor.get("/api/v1/commitments", params=params)
    first_due = datetime.fromisoformat(made["cycles"][0]["due_date"]).replace(tzinfo=UTC)
    monkeypatch.setattr("app.core.time.utcnow", lambda: first_due + timedelta(days=1, hours=12))
    later = editor.get(url, headers={"If-None-Match": today.headers["etag"]})
    assert later.status_code == 200
    assert later.json()["compliance"]["missed"] == today.json()["compliance"]["missed"] + 1
    assert later.headers["etag"] != today.headers["etag"]
    listed = editor.get(
        "/api/v1/commitments", params=params, headers={"If-None-Match": page.headers["etag"]}
    )
    assert listed.status_code == 200
    assert listed.json()["items"][0]["compliance"] == later.json()["compliance"]


def test_an_answer_kept_for_one_party_is_never_given_to_another(as_user_of) -> None:
    us, rok = as_user_of("us-editor"), as_user_of("rok-viewer")
    made = make_commitment(us, releasable_to=["US"])
    params = {"sort": "-updated_at", "limit": 3}
    seen_by_us = us.get("/api/v1/commitments", params=params)
    assert made["ref"] in [item["ref"] for item in seen_by_us.json()["items"]]
    seen_by_rok = rok.get("/api/v1/commitments", params=params)
    assert made["ref"] not in [item["ref"] for item in seen_by_rok.json()["items"]]
    assert seen_by_rok.headers["etag"] != seen_by_us.headers["etag"]
    refused = rok.get(
        "/api/v1/commitments", params=params, headers={"If-None-Match": seen_by_us.headers["etag"]}
    )
    assert refused.status_code == 200
    url = f"/api/v1/commitments/{made['ref']}"
    assert us.get(url).status_code == 200
    assert rok.get(url).status_code == 404
    assert rok.get(url, headers={"If-None-Match": "*"}).status_code == 404


def test_a_change_made_by_another_process_is_seen_at_once(settings: Settings, as_user) -> None:
    reader = as_user("us-editor")
    made = make_commitment(reader, releasable_to=["US"])
    url = f"/api/v1/commitments/{made['ref']}"
    assert reader.get(url).json()["title"] == made["title"]
    with TestClient(create_app(settings), headers=bearer("us-editor")) as other_worker:
        etag = other_worker.get(url).headers["etag"]
        changed = other_worker.patch(url, json={"title": "Changed"}, headers={"If-Match": etag})
        assert changed.status_code == 200
    assert reader.get(url).json()["title"] == "Changed"


def test_a_repeated_read_costs_one_statement(as_user, count_statements) -> None:
    viewer = as_user("us-viewer")
    assert viewer.get("/api/v1/commitments").status_code == 200  # renders, records the use
    assert viewer.get("/api/v1/commitments").status_code == 200
    count_statements.count = 0
    assert viewer.get("/api/v1/commitments").status_code == 200
    assert count_statements.count == 1


def test_an_answer_from_memory_leaves_no_transaction_open(
    as_user, count_statements, database: Database
) -> None:
    """Its one statement runs alone, outside any transaction: nothing holds a snapshot after
    it. On SQLite a checkpoint can then take the whole log, a write made since included; on
    PostgreSQL no connection sits idle in a transaction."""
    viewer = as_user("us-viewer")
    for _ in range(2):  # renders and records the use, then answers from memory
        assert viewer.get("/api/v1/commitments").status_code == 200
    count_statements.count = 0
    assert viewer.get("/api/v1/commitments").status_code == 200
    assert count_statements.count == 1
    with database.transaction() as session:
        session.execute(text("UPDATE api_token SET last_used_at = last_used_at"))
    with database.reader.connect() as connection:
        if connection.dialect.name == "sqlite":
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
            assert busy == 0
        else:
            states = connection.exec_driver_sql(
                "SELECT state FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalars()
            assert "idle in transaction" not in list(states)


def test_the_cache_keeps_to_its_byte_budget_dropping_the_least_recently_used() -> None:
    cache = ResponseCache(budget_bytes=10_100)  # four of these answers
    renders: list[str] = []

    def keep(name: str, size: int = 2_000) -> None:
        def render() -> Rendered:
            renders.append(name)
            return Rendered.of(name.encode() * size)

        cache.get_or_render(AnswerKey("everything", f"/{name}", (), 0, date(2026, 1, 1)), render)

    for name in ("a", "b", "c", "a", "d", "e"):  # "b" is the least recently used when "e" comes
        keep(name)
    assert renders == ["a", "b", "c", "d", "e"]
    assert cache.used <= cache.budget
    assert not cache.holds_answers_for("/b", ())
    assert cache.holds_answers_for("/a", ())
    keep("a")
    keep("b")
    assert renders == ["a", "b", "c", "d", "e", "b"]
    keep("huge", size=2_600)  # over a quarter of the budget: answered, not kept
    assert len(cache) == 4
    assert not cache.holds_answers_for("/huge", ())
    assert (cache.stats.hits, cache.stats.misses, cache.stats.evictions) == (2, 7, 2)


def test_reports_are_kept_per_audience_with_etags_until_the_register_changes(as_user_of) -> None:
    us, rok = as_user_of("us-editor"), as_user_of("rok-viewer")
    path = "/api/v1/reports/summary"
    params = {"group_by": "kind"}
    first = us.get(path, params=params)
    assert first.status_code == 200
    held = {"If-None-Match": first.headers["etag"]}
    assert us.get(path, params=params, headers=held).status_code == 304
    rok_before = rok.get(path, params=params, headers=held)
    assert rok_before.status_code == 200
    make_commitment(us, releasable_to=["US"], kind="pledge")
    after = us.get(path, params=params, headers=held)
    assert after.status_code == 200
    assert after.json() != first.json()
    # Nothing ROK may see changed: not even its counts tell of the new commitment.
    assert rok.get(path, params=params).json() == rok_before.json()
    as_csv = us.get(path, params=params | {"format": "csv"}, headers=held)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")


def test_a_kept_answer_is_given_only_to_a_live_token_asking_for_json(
    as_user, client: TestClient
) -> None:
    viewer = as_user("us-viewer")
    assert viewer.get("/api/v1/commitments", params={"limit": 3}).status_code == 200
    kept = viewer.get("/api/v1/commitments", params={"limit": 3})
    assert kept.headers["vary"] == "Accept"
    as_csv = viewer.get("/api/v1/commitments", params={"limit": 3}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert (
        viewer.get(
            "/api/v1/commitments", params={"limit": 3}, headers={"Authorization": "Bearer nonsense"}
        ).status_code
        == 401
    )
    me = viewer.get("/api/v1/me").json()
    disabled = client.delete(f"/api/v1/users/{me['id']}")
    assert disabled.status_code == 200, disabled.text
    refused = viewer.get("/api/v1/commitments", params={"limit": 3})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_sort_given_twice_is_refused_in_either_order_and_never_answered_from_memory(
    as_user_of,
) -> None:
    """The route kept the last value and the answer was kept under the parameters sorted: the
    reverse order was then answered with it."""
    viewer = as_user_of("rok-viewer")
    for query in ("sort=ref&sort=-due_date", "sort=-due_date&sort=ref", "sort=ref&sort=-due_date"):
        answer = viewer.get(f"/api/v1/commitments?{query}")
        assert answer.status_code == 422, query
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["loc"] == ["query", "sort"]
    listed = viewer.get("/api/v1/commitments?status=blocked&status=not_started&sort=ref")
    reversed_order = viewer.get("/api/v1/commitments?sort=ref&status=not_started&status=blocked")
    assert listed.status_code == reversed_order.status_code == 200
    assert listed.content == reversed_order.content


def test_an_if_none_match_longer_than_the_schema_says_is_refused_on_every_path(
    as_user_of, any_app: FastAPI
) -> None:
    """The routes refused it; an answer from memory or read directly took it."""
    schema = any_app.openapi()["paths"]["/api/v1/commitments/{ref}"]["get"]["parameters"]
    (declared,) = [p for p in schema if p["name"] == "If-None-Match"]
    bound = declared["schema"]["anyOf"][0]["maxLength"]
    viewer = as_user_of("rok-viewer")
    ref = viewer.get("/api/v1/commitments", params={"limit": 1}).json()["items"][0]["ref"]
    for path in (f"/api/v1/commitments/{ref}", "/api/v1/commitments", "/api/v1/reports/summary"):
        tag = viewer.get(path).headers["etag"]
        viewer.get(path)  # kept, when the cache is on
        longest = f"{tag}, " + '"' + "x" * (bound - len(tag) - 4) + '"'
        assert len(longest) == bound
        assert viewer.get(path, headers={"If-None-Match": longest}).status_code == 304, path
        too_long = f"{tag}, " + '"' + "x" * (bound - len(tag) - 3) + '"'
        refused = viewer.get(path, headers={"If-None-Match": too_long})
        assert refused.status_code == 422, path
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["loc"] == ["header", "If-None-Match"]
