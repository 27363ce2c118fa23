"""What a commitment shows of its source: the statement, its quote and context, only to a
caller who may read the statement itself; to others, as if it named none."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.board.conftest import sign_in
from tests.conftest import TOKENS
from tests.factories import make_commitment, make_document

SECRET_TITLE = "Closed-door ROK defence memorandum"
SECRET_QUOTE = "will station the Haemosu battery at Baengnyeong by March"
STATEMENT = (
    "Seoul, 2 November 2026. The ministries met in closed session.\n\n"
    f"The Republic of Korea {SECRET_QUOTE}, subject to the assembly's review.\n\n"
    "Both sides will review progress at the next meeting."
)
SECRETS = ("Haemosu", "Baengnyeong", "Closed-door", "assembly's review", "closed session")


def take_in_private_statement(rok: TestClient) -> dict[str, Any]:
    """A statement only the ROK reads, taken in by a ROK editor: the answer to the upload."""
    taken = make_document(
        rok,
        title=SECRET_TITLE,
        publisher="ROK Ministry of National Defense",
        issued_on="2026-11-02",
        parties=["ROK"],
        text=STATEMENT,
    )
    assert taken["document"]["access"] == "issuers"
    return taken


def private_source(rok: TestClient) -> tuple[str, str]:
    """A ROK-only statement and a commitment from it released to Japan: (slug, ref)."""
    slug = take_in_private_statement(rok)["document"]["slug"]
    made = make_commitment(
        rok,
        title="Air defence deployment",
        parties=["ROK"],
        releasable_to=["JP", "ROK"],
        document=slug,
        quote=SECRET_QUOTE,
        due_date="2024-03-31",
    )
    assert made["source"]["document_title"] == SECRET_TITLE
    return slug, made["ref"]


def assert_nothing_of_it(text: str, slug: str) -> None:
    for word in (*SECRETS, slug):
        assert word not in text, word


def test_a_commitment_shows_its_private_source_to_no_one_else(
    as_user, app: FastAPI, client: TestClient
) -> None:
    rok, jp = as_user("rok-editor"), as_user("jp-editor")
    slug, ref = private_source(rok)
    withheld = {
        "document": None,
        "document_title": None,
        "meeting": None,
        "quote": None,
        "locator": {"paragraph": None, "before": None, "after": None},
    }
    one = jp.get(f"/api/v1/commitments/{ref}")
    assert one.status_code == 200
    assert one.json()["source"] == withheld
    assert_nothing_of_it(one.text, slug)
    listed = jp.get("/api/v1/commitments", params={"q": "air defence deployment"})
    assert [item["source"] for item in listed.json()["items"]] == [withheld]
    assert_nothing_of_it(listed.text, slug)
    # A quote one is not shown is not searched either; the title is.
    assert jp.get("/api/v1/commitments", params={"q": "haemosu"}).json()["items"] == []
    assert [
        i["ref"] for i in rok.get("/api/v1/commitments", params={"q": "haemosu"}).json()["items"]
    ] == [ref]
    past = jp.get(f"/api/v1/commitments/{ref}", params={"as_of": one.json()["updated_at"][:10]})
    assert past.json()["source"] == withheld
    csv = jp.get("/api/v1/commitments", headers={"Accept": "text/csv"})
    assert ref in csv.text
    assert_nothing_of_it(csv.text, slug)
    for format_ in ("csv", "markdown"):
        report = jp.get(
            "/api/v1/reports/summary", params={"group_by": "document", "format": format_}
        )
        assert report.status_code == 200, report.text
        assert_nothing_of_it(report.text, slug)
    assert_nothing_of_it(jp.get("/api/v1/reports/overdue").text, slug)
    feed = jp.post("/api/v1/me/calendar-token").json()["url"]
    calendar = jp.get(feed[feed.index("/api/v1/") :])
    assert calendar.status_code == 200, calendar.text
    assert_nothing_of_it(calendar.text, slug)
    with TestClient(app) as browser:
        sign_in(browser, TOKENS["jp-editor"])
        page = browser.get(f"/board/commitments/{ref}")
    assert page.status_code == 200
    assert "Air defence deployment" in page.text
    assert_nothing_of_it(page.text, slug)
    # Its issuers and the register's administrators still see all of it.
    for reader in (rok, client):
        assert reader.get(f"/api/v1/commitments/{ref}").json()["source"]["quote"] == SECRET_QUOTE


def test_a_statement_one_may_not_read_is_named_as_one_that_does_not_exist(as_user) -> None:
    rok, jp = as_user("rok-editor"), as_user("jp-editor")
    slug, _ = private_source(rok)
    missing = "no-such-statement"
    answers = {}
    for name in (slug, missing):
        answers[name] = jp.post(
            "/api/v1/commitments",
            json={"title": "Probing a statement", "parties": ["JP"], "document": name},
        )
    assert answers[slug].status_code == answers[missing].status_code == 422
    assert answers[slug].text.replace(slug, missing) == answers[missing].text
    assert_nothing_of_it(answers[slug].text.replace(slug, ""), slug="\0")
    by_filter = {
        name: jp.get("/api/v1/commitments", params={"document": name}) for name in (slug, missing)
    }
    assert by_filter[slug].json()["items"] == by_filter[missing].json()["items"] == []


def test_a_restatement_merged_from_a_private_statement_names_nothing_of_it(as_user) -> None:
    rok, jp = as_user("rok-editor"), as_user("jp-editor")
    made = rok.post(
        "/api/v1/commitments",
        json={
            "title": "Air defence deployment",
            "parties": ["ROK"],
            "releasable_to": ["JP", "ROK"],
            "quote": "The Republic of Korea will deploy air defence assets.",
        },
    )
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    taken = take_in_private_statement(rok)
    slug = taken["document"]["slug"]
    number = next(c["number"] for c in taken["candidates"] if "Haemosu" in c["quote"])
    merged = rok.post(f"/api/v1/documents/{slug}/candidates/{number}/merge", json={"ref": ref})
    assert merged.status_code == 200, merged.text
    for path in (f"/api/v1/commitments/{ref}/updates", f"/api/v1/commitments/{ref}/history"):
        answer = jp.get(path)
        assert answer.status_code == 200, answer.text
        assert_nothing_of_it(answer.text, slug)
    # Its issuers still find what it said where they review it.
    reviewed = rok.get(f"/api/v1/documents/{slug}/candidates").json()["items"]
    assert any(c["state"] == "merged" and "Haemosu" in c["quote"] for c in reviewed)
