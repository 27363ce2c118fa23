"""Names and titles are single lines: a line break or a control character in one would reach
a mail header, a subject, a one-line export format or a log line. Multi-line texts keep their
line breaks and refuse the other control characters."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

Users = Callable[[str], TestClient]
PROBLEM = "application/problem+json"
SINGLE_LINE = "must be a single line, without line breaks or control characters"

BREAKING = [
    "Jane Doe\r\nBcc: spy@attacker.example",
    "First line\nSecond line",
    "Tab\tinside",
    "Line\u2028separator",
    "Paragraph\u2029separator",
    "Next\x85line",
    "Escape\x1b[31m",
    "Delete\x7f",
    "Nul\x00",
]
STATEMENT = "The United States will open a liaison office."

# What a caller creates: (user, path, a valid body, the field to break, where it is listed).
CREATED = [
    ("us-editor", "/api/v1/contacts", {"party": "US", "name": "Jane Doe"}, "name"),
    ("us-editor", "/api/v1/contacts", {"party": "US", "name": "Jane Doe"}, "position"),
    ("us-editor", "/api/v1/commitments", {"title": "Open an office", "parties": ["US"]}, "title"),
    ("admin", "/api/v1/meetings", {"series": "SCM", "number": 90}, "title"),
    ("admin", "/api/v1/meetings", {"series": "SCM", "number": 90}, "place"),
    (
        "us-editor",
        "/api/v1/documents",
        {"title": "Statement", "publisher": "Ministry", "issued_on": "2026-11-01"}
        | {"text": STATEMENT},
        "title",
    ),
    (
        "us-editor",
        "/api/v1/documents",
        {"title": "Statement", "publisher": "Ministry", "issued_on": "2026-11-01"}
        | {"text": STATEMENT},
        "publisher",
    ),
]
LISTED = {
    "/api/v1/contacts": "/api/v1/contacts",
    "/api/v1/commitments": "/api/v1/commitments?party=US&total=true&limit=1",
    "/api/v1/meetings": "/api/v1/meetings",
    "/api/v1/documents": "/api/v1/documents",
}


def refused_as_not_one_line(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    (error,) = response.json()["errors"]
    assert error["loc"][-1] == field
    assert SINGLE_LINE in error["msg"]


@pytest.mark.parametrize(("user", "path", "body", "field"), CREATED)
def test_a_name_or_title_with_a_line_break_or_control_character_is_refused(
    as_user: Users, user: str, path: str, body: dict[str, Any], field: str
) -> None:
    caller = as_user(user)
    before = caller.get(LISTED[path]).json()
    for value in BREAKING:
        refused_as_not_one_line(caller.post(path, json=body | {field: value}), field)
    assert caller.get(LISTED[path]).json() == before
    # The same field on one line is taken.
    assert caller.post(path, json=body | {field: "김민수, Director (ROK)"}).status_code == 201


def test_changing_a_name_or_title_to_more_than_one_line_is_refused(as_user: Users) -> None:
    editor, admin = as_user("us-editor"), as_user("admin")
    made = editor.post("/api/v1/contacts", json={"party": "US", "name": "Jane Doe"}).json()
    commitment = editor.post(
        "/api/v1/commitments", json={"title": "Open an office", "parties": ["US"]}
    ).json()
    meeting = admin.get("/api/v1/meetings").json()["items"][0]
    for caller, url, field in (
        (editor, f"/api/v1/contacts/{made['id']}", "name"),
        (editor, f"/api/v1/commitments/{commitment['ref']}", "title"),
        (admin, f"/api/v1/meetings/{meeting['key']}", "place"),
    ):
        before = caller.get(url)
        for value in BREAKING:
            refused = caller.patch(
                url, json={field: value}, headers={"If-Match": before.headers["etag"]}
            )
            refused_as_not_one_line(refused, field)
        assert caller.get(url).json() == before.json()


def test_a_token_label_is_one_line(as_user: Users) -> None:
    admin = as_user("admin")
    user = admin.get("/api/v1/users").json()["items"][0]
    url = f"/api/v1/users/{user['id']}/tokens"
    for value in BREAKING:
        refused_as_not_one_line(admin.post(url, json={"label": value}), "label")
    tokens = admin.get(f"/api/v1/users/{user['id']}").json()["tokens"]
    assert [token["id"] for token in tokens] == [token["id"] for token in user["tokens"]]
    made = {"name": "Jane Doe", "role": "viewer", "party": "US", "token_label": "a\nb"}
    refused_as_not_one_line(admin.post("/api/v1/users", json=made), "token_label")


def test_a_description_keeps_its_line_breaks_and_refuses_other_control_characters(
    as_user: Users,
) -> None:
    editor = as_user("us-editor")
    body = {"title": "Open an office", "parties": ["US"]}
    kept = "First paragraph.\r\n\r\nSecond\tparagraph.\u2028Third."
    made = editor.post("/api/v1/commitments", json=body | {"description": kept})
    assert made.status_code == 201, made.text
    assert made.json()["description"] == kept
    for value in ("Bell\x07", "Next\x85line", "Escape\x1b[31m", "Nul\x00", "Delete\x7f"):
        refused = editor.post("/api/v1/commitments", json=body | {"description": value})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"][-1] == "description"
