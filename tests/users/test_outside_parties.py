"""An outside party holds no accounts: none is created for it, and a user of a party that is
outside (an account from before, a party made outside) is refused on every channel."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from tests.board.conftest import TICKET, sign_in
from tests.cli.test_cli import run
from tests.conftest import TOKENS

PROBLEM = "application/problem+json"


def test_no_account_is_created_for_an_outside_party(client: TestClient) -> None:
    client.get("/api/v1/users")  # the token's first use is recorded after this answer
    before = client.get("/api/v1/users").json()
    for body in (
        {"name": "cn-desk", "role": "editor", "party": "CN"},
        {"name": "cn-viewer", "role": "viewer", "party": "cn"},
        {"name": "asean-admin", "role": "admin", "party": "ASEAN"},
    ):
        refused = client.post("/api/v1/users", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert "outside party" in refused.json()["detail"]
    assert client.get("/api/v1/users").json() == before


def test_the_command_line_creates_no_account_for_an_outside_party(database_url: str) -> None:
    refused = run(
        "users", "add", "cn-desk", "--role", "editor", "--party", "CN", database_url=database_url
    )
    assert refused.returncode != 0
    assert "outside party" in refused.stderr
    assert "cn-desk" not in run("users", "list", database_url=database_url).stdout


def test_a_user_of_a_party_that_is_outside_is_refused_everywhere(
    app, as_user, database: Database
) -> None:
    api = as_user("jp-editor")
    assert api.get("/api/v1/me").status_code == 200
    with TestClient(app) as browser:
        sign_in(browser, TOKENS["jp-editor"])
        assert browser.get("/board/work").status_code == 200
        # An account of a party that is outside, however it came to be (the administrators'
        # rules refuse to make a party with enabled users outside).
        with database.transaction() as session:
            session.execute(text("UPDATE party SET standing = 'outside' WHERE code = 'JP'"))
        refused = api.get("/api/v1/commitments")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == PROBLEM
        assert browser.get("/board/work", follow_redirects=False).status_code != 200
    with TestClient(app) as browser:
        form = browser.get("/board/sign-in")
        ticket = TICKET.search(form.text)
        assert ticket, form.text
        answer = browser.post(
            "/board/sign-in",
            data={"token": TOKENS["jp-editor"], "ticket": ticket.group(1), "next": "/board/work"},
            follow_redirects=False,
        )
        assert answer.status_code != 303
        assert browser.get("/board/work", follow_redirects=False).status_code != 200
