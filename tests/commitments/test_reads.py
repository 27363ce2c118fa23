"""A commitment and a page of commitments read before the framework (app.commitments.reads)
answer exactly what their routes answer: same status, bytes, tags and links, for every
caller, and anything the direct reader does not take as it is goes to the route."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import bearer

PAGE = "/api/v1/commitments"

PAGE_QUERIES = [
    "",
    "limit=5",
    "limit=200&total=true",
    "status=in_progress&status=not_started&limit=7",
    "sort=-due_date&limit=4&total=1",
    "sort=updated_at&kind=pledge&limit=3",
    "party=rok&limit=5",
    "obligor=US&counterpart=ROK",
    "area=maritime-security&overdue=true",
    "due_within_days=400&as_of=2026-01-01",
    "q=%EC%9D%B4&limit=2",
    "due_before=2030-01-01&due_after=2020-01-01&limit=6",
    # Refused by the route, each for its own reason.
    "limit=0",
    "limit=201",
    "limit=ten",
    "status=bogus",
    "stauts=open",
    "area=maritime-security&area=cyber",
    "cursor=not-a-cursor",
    "q=",
    "due_within_days=-1",
    "sort=title",
    # Not JSON pages: the route answers them.
    "format=csv",
    "format=markdown&bom=true",
]


@pytest.fixture
def both(settings: Settings) -> tuple[FastAPI, FastAPI]:
    """The app reading directly and the app answering every read by its routes, on one
    database, neither keeping answers in memory."""
    direct = create_app(settings.model_copy(update={"response_cache_mb": 0}))
    routes = create_app(settings.model_copy(update={"response_cache_mb": 0, "direct_reads": False}))
    return direct, routes


def _answers(apps: tuple[FastAPI, FastAPI], user: str, url: str) -> list[tuple]:
    answers = []
    for app in apps:
        with TestClient(app, headers=bearer(user)) as client:
            client.get(PAGE, params={"limit": 1})  # records the token's use: not stale below
            answer = client.get(url)
        answers.append(
            (
                answer.status_code,
                answer.content,
                answer.headers.get("content-type"),
                answer.headers.get("etag"),
                answer.headers.get("link"),
                answer.headers.get("vary"),
            )
        )
    return answers


@pytest.mark.parametrize("user", ["admin", "us-viewer", "rok-editor"])
def test_pages_read_directly_are_the_routes_pages(both, user: str) -> None:
    for query in PAGE_QUERIES:
        direct, routed = _answers(both, user, f"{PAGE}?{query}")
        assert direct == routed, query


@pytest.mark.parametrize("user", ["admin", "us-viewer", "rok-editor"])
def test_following_the_next_links_gives_the_routes_pages(both, user: str) -> None:
    url = f"{PAGE}?limit=7&status=not_started&status=in_progress&total=true"
    seen = 0
    while url:
        direct, routed = _answers(both, user, url)
        assert direct == routed, url
        link = direct[4]
        url = link[1 : link.index(">")] if link else ""
        seen += 1
    assert seen > 1


@pytest.mark.parametrize("user", ["admin", "us-viewer", "rok-editor", "jp-editor"])
def test_a_commitment_read_directly_is_the_routes(both, user: str) -> None:
    with TestClient(both[1], headers=bearer("admin")) as admin:
        refs = [item["ref"] for item in admin.get(PAGE, params={"limit": 200}).json()["items"]]
    for ref in [*refs[::7], "NO-SUCH-REF", "bad%20ref", f"{refs[0]}?as_of=2025-06-01"]:
        direct, routed = _answers(both, user, f"{PAGE}/{ref}")
        assert direct == routed, ref


def test_a_plain_read_is_answered_before_the_route(both, monkeypatch) -> None:
    def route_reached(**_: object) -> None:
        raise AssertionError("the route answered")

    monkeypatch.setattr("app.commitments.router.render_page", route_reached)
    monkeypatch.setattr("app.commitments.router.render_one", route_reached)
    with TestClient(both[0], headers=bearer("us-viewer")) as client:
        client.get(PAGE, params={"limit": 1}, headers={"Accept": "text/csv"})  # records use
        page = client.get(PAGE, params={"limit": 3, "status": "in_progress"})
        assert page.status_code == 200
        one = client.get(f"{PAGE}/{page.json()['items'][0]['ref']}")
        assert one.status_code == 200
        assert one.headers["etag"].startswith(f'"{one.json()["version"]}.')
