"""A user may be one of their party's points of contact: what they lead, they find."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.board.conftest import sign_in
from tests.conftest import TOKENS
from tests.factories import make_commitment, make_contact

Users = Callable[[str], TestClient]


def user_id(admin: TestClient, name: str) -> int:
    return next(u["id"] for u in admin.get("/api/v1/users").json()["items"] if u["name"] == name)


def test_an_administrator_links_a_user_to_a_contact_of_their_own_party(as_user: Users) -> None:
    admin = as_user("admin")
    us_desk = make_contact(admin, name="Jane Doe", party="US")
    rok_desk = make_contact(admin, name="Kim Min-su", party="ROK")
    editor = user_id(admin, "us-editor")
    refused = admin.patch(f"/api/v1/users/{editor}", json={"contact_id": rok_desk})
    assert refused.status_code == 422
    assert "another party" in refused.json()["detail"]
    assert admin.patch(f"/api/v1/users/{editor}", json={"contact_id": 999999}).status_code == 422
    linked = admin.patch(f"/api/v1/users/{editor}", json={"contact_id": us_desk})
    assert linked.status_code == 200
    assert linked.json()["contact_id"] == us_desk
    assert as_user("us-editor").patch(f"/api/v1/users/{editor}", json={}).status_code == 403
    cleared = admin.patch(f"/api/v1/users/{editor}", json={"contact_id": None})
    assert cleared.json()["contact_id"] is None


def test_the_register_filters_by_lead_and_the_board_shows_what_i_lead(as_user: Users, app) -> None:
    admin = as_user("admin")
    desk = make_contact(admin, name="Jane Doe", party="US")
    admin.patch(f"/api/v1/users/{user_id(admin, 'us-editor')}", json={"contact_id": desk})
    editor = as_user("us-editor")
    ref = make_commitment(editor, title="Train the liaison cell", leads={"US": desk})["ref"]
    led = editor.get("/api/v1/commitments", params={"lead": desk}).json()["items"]
    assert [c["ref"] for c in led] == [ref]
    assert editor.get("/api/v1/commitments", params={"lead": desk + 1}).json()["items"] == []
    with TestClient(app) as browser:
        sign_in(browser, TOKENS["us-editor"])
        work = browser.get("/board/work").text
        mine = work.split("What I lead")[1].split("</table>")[0]
        assert ref in mine
    with TestClient(app) as browser:
        sign_in(browser, TOKENS["us-viewer"])
        assert "What I lead" not in browser.get("/board/work").text
