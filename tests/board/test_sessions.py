"""Signing in to the board: a server-side session in a strict cookie, forms guarded by a
token of the session, and nothing of it reaching the API."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from app.core.security import hash_token
from tests.board.conftest import TICKET, csrf_of, sign_in
from tests.conftest import TOKENS, bearer
from tests.factories import make_commitment


def test_a_page_without_a_session_leads_to_sign_in_and_back(anonymous: TestClient) -> None:
    answer = anonymous.get("/board/register?status=blocked", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/board/sign-in?next=/board/register%3Fstatus%3Dblocked"
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/board"


def test_signing_in_sets_a_strict_http_only_cookie_kept_only_as_a_digest(
    anonymous: TestClient, database: Database
) -> None:
    sign_in(anonymous, TOKENS["us-editor"])
    cookie = next(c for c in anonymous.cookies.jar if c.name == "board_session")
    assert cookie.path == "/board"
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "strict"
    with database.reader.connect() as connection:
        stored = connection.execute(text("SELECT session_hash FROM board_session")).scalars().all()
    assert stored == [hash_token(cookie.value)]
    assert "us-editor" in anonymous.get("/board/work").text


def test_a_wrong_token_is_refused_with_a_page_and_no_session(anonymous: TestClient) -> None:
    form = anonymous.get("/board/sign-in")
    ticket = TICKET.search(form.text).group(1)
    answer = anonymous.post(
        "/board/sign-in", data={"token": "ac_" + "x" * 43, "ticket": ticket}, follow_redirects=False
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert "board_session" not in anonymous.cookies


def test_sign_in_needs_the_ticket_of_its_own_form(anonymous: TestClient) -> None:
    # A page of another site could post a token of its choosing: without the form's ticket
    # (its cookie is strict and of this site), the sign-in is refused.
    answer = anonymous.post(
        "/board/sign-in",
        data={"token": TOKENS["admin"], "ticket": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "board_session" not in anonymous.cookies


def test_next_never_leads_to_another_site(anonymous: TestClient) -> None:
    form = anonymous.get("/board/sign-in")
    ticket = TICKET.search(form.text).group(1)
    for elsewhere in ("//evil.example/board/", "https://evil.example", "/api/v1/commitments"):
        answer = anonymous.post(
            "/board/sign-in",
            data={"token": TOKENS["us-viewer"], "ticket": ticket, "next": elsewhere},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/board/work"
        ticket = TICKET.search(anonymous.get("/board/sign-in").text).group(1)


def test_the_session_cookie_never_authenticates_the_api(board, app) -> None:
    cookie = board("us-editor").cookies.get("board_session")
    # Sent to /api/ anyway (the browser would not: the cookie's path is /board).
    with TestClient(app, cookies={"board_session": cookie}) as replay:
        answer = replay.get("/api/v1/commitments")
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert replay.get("/board/work", follow_redirects=False).status_code == 200


def test_signing_out_ends_the_session_on_the_server(board, app) -> None:
    browser = board("us-editor")
    cookie = browser.cookies.get("board_session")
    page = browser.get("/board/work").text
    answer = browser.post("/board/sign-out", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert answer.status_code == 303
    # The old cookie, replayed, no longer opens a page.
    with TestClient(app, cookies={"board_session": cookie}) as replay:
        assert replay.get("/board/work", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(board, client: TestClient) -> None:
    browser = board("jp-editor")
    assert browser.get("/board/work", follow_redirects=False).status_code == 200
    users = client.get("/api/v1/users").json()["items"]
    jp = next(user for user in users if user["name"] == "jp-editor")
    revoked = client.delete(f"/api/v1/tokens/{jp['tokens'][0]['id']}")
    assert revoked.status_code == 200, revoked.text
    assert browser.get("/board/work", follow_redirects=False).status_code == 303


def test_an_expired_session_asks_to_sign_in_again(board, database: Database) -> None:
    browser = board("us-viewer")
    with database.writer.begin() as connection:
        connection.execute(text("UPDATE board_session SET expires_at = created_at"))
    assert browser.get("/board/work", follow_redirects=False).status_code == 303


def test_a_form_without_its_session_token_changes_nothing(board, client: TestClient) -> None:
    editor = board("us-editor")
    other = board("rok-editor")
    ref = make_commitment(client)["ref"]
    before = client.get(f"/api/v1/commitments/{ref}/updates").json()["items"]
    for token in ("", "0" * 64, csrf_of(other.get("/board/work").text)):
        answer = editor.post(
            f"/board/commitments/{ref}/notes", data={"csrf": token, "text": "x", "version": 1}
        )
        assert answer.status_code == 403
        assert "Form expired" in answer.text
    assert client.get(f"/api/v1/commitments/{ref}/updates").json()["items"] == before


def test_board_pages_allow_only_their_own_scripts_and_forms(board) -> None:
    page = board("us-viewer").get("/board/work")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert 'src="/board/static/htmx.min.js"' in page.text


def test_swagger_ui_is_served_from_the_app_itself(anonymous: TestClient) -> None:
    docs = anonymous.get("/docs").text
    assert "cdn" not in docs.lower()
    assert anonymous.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert anonymous.get("/board/static/htmx.min.js").status_code == 200


def test_a_bearer_token_does_not_open_board_pages(app) -> None:
    with TestClient(app, headers=bearer("admin")) as api_client:
        assert api_client.get("/board/work", follow_redirects=False).status_code == 303


def test_behind_https_the_cookie_is_secure(app) -> None:
    with TestClient(app, base_url="https://board.example") as browser:
        sign_in(browser, TOKENS["us-viewer"])
        cookie = next(c for c in browser.cookies.jar if c.name == "board_session")
        assert cookie.secure
    with TestClient(app) as plain:
        sign_in(plain, TOKENS["us-viewer"])
        assert not next(c for c in plain.cookies.jar if c.name == "board_session").secure


def test_disabling_the_user_ends_their_sessions(board, client: TestClient) -> None:
    browser = board("rok-viewer")
    assert browser.get("/board/work", follow_redirects=False).status_code == 200
    users = client.get("/api/v1/users").json()["items"]
    viewer = next(user for user in users if user["name"] == "rok-viewer")
    assert client.delete(f"/api/v1/users/{viewer['id']}").status_code == 200
    assert browser.get("/board/work", follow_redirects=False).status_code == 303
