"""The board's pages over HTTP: the same rules as the API, shown as pages."""

import base64
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.board.conftest import csrf_of
from tests.factories import make_commitment, make_contact, make_document

Browsers = Callable[[str], TestClient]
Users = Callable[[str], TestClient]


OFFICE = "Open a liaison office"


def page_of(browser: TestClient, ref: str) -> str:
    page = browser.get(f"/board/commitments/{ref}")
    assert page.status_code == 200, page.text
    return page.text


def version_in(page: str, form_action: str) -> str:
    form = page[page.index(f'action="{form_action}"') :]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


def test_a_commitment_hidden_from_a_party_is_a_404_page_and_absent_from_its_lists(
    board: Browsers, as_user: Users
) -> None:
    hidden = make_commitment(as_user("us-editor"), releasable_to=["US"], title="U.S.-only line")
    outsider = board("rok-editor")
    answer = outsider.get(f"/board/commitments/{hidden['ref']}")
    assert answer.status_code == 404
    assert "U.S.-only line" not in answer.text
    for page in ("/board/register?q=U.S.-only", "/board/work", "/board/overdue"):
        assert hidden["ref"] not in outsider.get(page).text
    assert "U.S.-only line" not in outsider.get("/board/register.csv?q=only").text
    assert hidden["ref"] in page_of(board("us-viewer"), hidden["ref"])


def test_a_viewer_sees_no_forms_and_an_editor_of_the_obligor_does(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("admin"), parties=["US"])["ref"]
    viewer = page_of(board("us-viewer"), ref)
    assert "Record progress" not in viewer
    assert f'action="/board/commitments/{ref}/notes"' not in viewer
    editor = page_of(board("us-editor"), ref)
    assert f'action="/board/commitments/{ref}/notes"' in editor
    assert f'action="/board/commitments/{ref}/edit"' in editor


def test_a_note_with_a_status_is_recorded_from_the_board(board: Browsers, as_user: Users) -> None:
    created = make_commitment(as_user("us-editor"))
    ref = created["ref"]
    browser = board("us-editor")
    page = page_of(browser, ref)
    answer = browser.post(
        f"/board/commitments/{ref}/notes",
        data={
            "csrf": csrf_of(page),
            "version": version_in(page, f"/board/commitments/{ref}/notes"),
            "text": "Liaison officers named; 연락관 지정",
            "status": "in_progress",
            "percent_complete": "20",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    api = as_user("us-viewer")
    now = api.get(f"/api/v1/commitments/{ref}").json()
    assert now["status"] == "in_progress"
    assert now["percent_complete"] == 20
    history = api.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    moved = [entry for entry in history if entry["new_value"] == "in_progress"]
    assert [(entry["channel"], entry["actor"]) for entry in moved] == [("board", "us-editor")]
    shown = page_of(browser, ref)
    assert "연락관 지정" in shown
    # Only the statuses the workflow allows next are offered.
    select = shown.split('name="status"')[1].split("</select>")[0]
    status_choices = re.findall(r'<option value="([a-z_]+)"', select)
    assert status_choices == ["at_risk", "blocked", "cancelled", "completed", "superseded"]


def test_a_status_change_over_a_stale_page_shows_the_conflict_and_re_applies(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("us-editor"), title=OFFICE)["ref"]
    mine, theirs = board("us-editor"), board("admin")
    stale = page_of(mine, ref)
    other = page_of(theirs, ref)
    moved = theirs.post(
        f"/board/commitments/{ref}/edit",
        data={
            "csrf": csrf_of(other),
            "version": version_in(other, f"/board/commitments/{ref}/edit"),
            "title": "Open a liaison office in Seoul",
            "was_title": OFFICE,
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    conflict = mine.post(
        f"/board/commitments/{ref}/notes",
        data={
            "csrf": csrf_of(stale),
            "version": version_in(stale, f"/board/commitments/{ref}/notes"),
            "text": "Blocked on funding",
            "status": "blocked",
        },
    )
    assert conflict.status_code == 409
    assert "Someone changed this commitment" in conflict.text
    assert "Open a liaison office in Seoul" in conflict.text  # what the other person did
    assert "Blocked on funding" in conflict.text  # the officer's note, ready to resend
    api = as_user("us-viewer")
    assert api.get(f"/api/v1/commitments/{ref}").json()["status"] == "not_started"
    again = mine.post(
        f"/board/commitments/{ref}/notes",
        data={
            "csrf": csrf_of(conflict.text),
            "version": version_in(conflict.text, f"/board/commitments/{ref}/notes"),
            "text": "Blocked on funding",
            "status": "blocked",
        },
        follow_redirects=False,
    )
    assert again.status_code == 303
    now = api.get(f"/api/v1/commitments/{ref}").json()
    assert (now["status"], now["title"]) == ("blocked", "Open a liaison office in Seoul")


def test_bad_form_input_is_a_422_page_and_changes_nothing(board: Browsers, as_user: Users) -> None:
    ref = make_commitment(as_user("us-editor"), title=OFFICE)["ref"]
    browser = board("us-editor")
    page = page_of(browser, ref)
    before = as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json()
    for bad in (
        {"percent_complete": "101"},
        {"status": "nonsense"},
        {"as_of": "2026-13-40"},
        {"version": "-3"},
        {"text": ""},
    ):
        answer = browser.post(
            f"/board/commitments/{ref}/notes",
            data={"csrf": csrf_of(page), "version": "1", "text": "x"} | bad,
        )
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("text/html")
    assert as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json() == before


def test_a_title_of_more_than_one_line_is_refused_with_a_clear_error(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("us-editor"), title=OFFICE)["ref"]
    browser = board("us-editor")
    page = page_of(browser, ref)
    action = f"/board/commitments/{ref}/edit"
    before = as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json()
    for title in ("Open an office\u2028::error::forged", "Open an office\x1b[31m", "A\nB"):
        answer = browser.post(
            action,
            data={
                "csrf": csrf_of(page),
                "version": version_in(page, action),
                "title": title,
                "was_title": OFFICE,
            },
        )
        assert answer.status_code == 422, (title, answer.text)
        assert answer.headers["content-type"].startswith("text/html")
        assert "title: Value error, must be a single line, without line breaks" in answer.text
    assert as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json() == before


def test_the_register_filters_in_the_url_pages_and_downloads(board: Browsers) -> None:
    browser = board("admin")
    blank = browser.get(
        "/board/register?status=completed&q=&obligor=&due_before=&sort=ref&limit=25"
    )
    assert blank.status_code == 200
    shown = re.findall(r'href="/board/commitments/([^"]+)"', blank.text)
    assert shown
    for ref in shown:
        assert "completed" in page_of(browser, ref).split("Status</dt>")[1][:200]
    csv = browser.get("/board/register.csv?status=completed")
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) - 1 == int(
        re.search(r"(\d+) commitments? match", blank.text).group(1)
    )
    assert browser.get("/board/register.md?status=completed").text.startswith("#")
    typo = browser.get("/board/register?stauts=completed")
    assert typo.status_code == 422
    assert "stauts" in typo.text
    # htmx asks for the results alone.
    partial = browser.get("/board/register?status=completed", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert shown[0] in partial.text


def test_only_an_administrator_sets_a_meetings_date(board: Browsers, as_user: Users) -> None:
    meeting = next(m for m in as_user("admin").get("/api/v1/meetings").json()["items"])
    form = {"held_on": "2027-10-15", "place": "Seoul", "version": str(meeting["version"])}
    editor = board("us-editor")
    page = editor.get("/board/meetings").text
    assert "Set the date" not in page
    refused = editor.post(f"/board/meetings/{meeting['key']}", data=form | {"csrf": csrf_of(page)})
    assert refused.status_code == 403
    admin = board("admin")
    set_by_admin = admin.post(
        f"/board/meetings/{meeting['key']}",
        data=form | {"csrf": csrf_of(admin.get("/board/meetings").text)},
        follow_redirects=False,
    )
    assert set_by_admin.status_code == 303
    now = as_user("admin").get(f"/api/v1/meetings/{meeting['key']}").json()
    assert (now["held_on"], now["place"]) == ("2027-10-15", "Seoul")


def test_a_statement_is_reviewed_from_its_page(board: Browsers, as_user: Users) -> None:
    taken = make_document(as_user("us-editor"))
    slug = taken["document"]["slug"]
    candidates = taken["candidates"]
    ours = [c["number"] for c in candidates if "US" in c["obligors"]]
    first = next(c["number"] for c in candidates if c["number"] not in ours)
    second, third = ours[:2]
    browser = board("us-editor")
    page = browser.get(f"/board/documents/{slug}/review")
    assert page.status_code == 200
    assert page.text.count("<mark") >= 3
    csrf = csrf_of(page.text)
    base = f"/board/documents/{slug}/candidates"
    rejected = browser.post(f"{base}/{first}/reject", data={"csrf": csrf, "reason": "a request"})
    assert rejected.status_code == 200, rejected.text
    accepted = browser.post(f"{base}/accept", data={"csrf": csrf, "numbers": [second, third]})
    assert accepted.status_code == 200, accepted.text
    states = {
        c["number"]: c["state"]
        for c in as_user("us-editor").get(f"/api/v1/documents/{slug}/candidates").json()["items"]
    }
    assert (states[first], states[second], states[third]) == ("rejected", "accepted", "accepted")
    assert board("jp-editor").get(f"/board/documents/{slug}/review").status_code == 404


def test_a_candidate_is_accepted_with_the_reviewers_edits_only(
    board: Browsers, as_user: Users
) -> None:
    taken = make_document(as_user("us-editor"))
    slug = taken["document"]["slug"]
    candidate = next(c for c in taken["candidates"] if c["obligors"] == ["US"])
    browser = board("us-editor")
    page = browser.get(f"/board/documents/{slug}/review").text
    shown = {
        "title": candidate["title"],
        "kind": candidate["kind"],
        "obligors": "US",
        "counterparts": ", ".join(candidate["counterparts"]),
        "due_date": candidate["due_date"] or "",
    }
    form = {f"was_{name}": value for name, value in shown.items()} | shown
    edited = form | {"kind": "joint_undertaking", "obligors": "US, ROK"}
    answer = browser.post(
        f"/board/documents/{slug}/candidates/{candidate['number']}/accept",
        data=edited | {"csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    listed = as_user("us-editor").get(f"/api/v1/documents/{slug}/candidates").json()["items"]
    ref = next(c["commitment"] for c in listed if c["number"] == candidate["number"])
    made = as_user("us-editor").get(f"/api/v1/commitments/{ref}").json()
    assert made["kind"] == "joint_undertaking"
    assert made["parties"] == ["ROK", "US"]
    assert made["title"] == candidate["title"]
    assert made["source"]["quote"] == candidate["quote"]


def test_an_obligor_is_assessed_from_the_board_against_the_version_shown(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("us-editor"), parties=["US", "ROK"])["ref"]
    browser = board("us-editor")
    page = page_of(browser, ref)
    action = f"/board/commitments/{ref}/assessments/US"
    assessment = {"compliance": "0", "completion": "limited", "evidence": "Office leased"}
    done = browser.post(
        action,
        data=assessment | {"csrf": csrf_of(page), "version": version_in(page, action)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    now = as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json()
    assert [(a["party"], a["compliance"], a["completion"]) for a in now["assessments"]] == [
        ("US", 0, "limited")
    ]
    stale = browser.post(
        action, data=assessment | {"csrf": csrf_of(page), "version": version_in(page, action)}
    )
    assert stale.status_code == 409
    assert "Office leased" in stale.text


def test_removing_the_only_lead_from_the_board_removes_it(board: Browsers, as_user: Users) -> None:
    admin = as_user("admin")
    desk = make_contact(admin, name="Jane Doe", party="US")
    ref = make_commitment(as_user("us-editor"), title=OFFICE, leads={"US": desk})["ref"]
    browser = board("us-editor")
    page = page_of(browser, ref)
    action = f"/board/commitments/{ref}/edit"
    answer = browser.post(
        action,
        data={
            "csrf": csrf_of(page),
            "version": version_in(page, action),
            "title": OFFICE,
            "was_title": OFFICE,
            "lead_party": "US",
            "lead_contact": "",
            "was_lead_contact": str(desk),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json()["leads"] == []


def test_my_work_counts_per_status_what_the_api_lists_for_the_party(
    board: Browsers, as_user: Users
) -> None:
    api = as_user("rok-editor")
    make_commitment(as_user("us-editor"), parties=["US", "ROK"], releasable_to=["US", "ROK"])
    make_commitment(as_user("us-editor"), parties=["US"], releasable_to=["US"])  # not the ROK's
    page = board("rok-editor").get("/board/work").text
    shown = dict(
        re.findall(
            r'status=(\w+)&amp;obligor=ROK"><span[^>]*>[^<]*</span> <strong>(\d+)</strong>', page
        )
    )
    assert set(shown) >= {"not_started", "in_progress", "completed"}
    for status, count in shown.items():
        listed = api.get(
            "/api/v1/commitments", params={"status": status, "obligor": "ROK", "total": "true"}
        )
        assert listed.json()["total"] == int(count), status


def test_a_forged_register_cursor_is_refused_on_a_page(board: Browsers) -> None:
    browser = board("us-viewer")
    first = browser.get("/board/register?limit=25")
    issued = re.search(r"cursor=([A-Za-z0-9_-]+)", first.text).group(1)
    assert browser.get(f"/board/register?limit=25&cursor={issued}").status_code == 200
    forged = base64.urlsafe_b64encode(b'["ref","SCM56\\u0000"]').decode().rstrip("=")
    for cursor, status in ((forged, 400), (issued + "%00", 422), (issued + "%01", 422)):
        answer = browser.get(f"/board/register?limit=25&cursor={cursor}")
        assert answer.status_code == status, (cursor, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html")
        assert "cursor" in answer.text


def test_a_register_parameter_given_twice_is_refused_as_the_api_refuses_it(
    board: Browsers,
) -> None:
    browser = board("us-viewer")
    for path in ("/board/register", "/board/register.csv", "/board/register.md"):
        for query in ("sort=ref&sort=-due_date", "limit=25&limit=100", "q=a&q=b"):
            answer = browser.get(f"{path}?{query}")
            assert answer.status_code == 422, (path, query, answer.text[:300])
            assert "more than once" in answer.text
    # A list filter takes several values, as in the API.
    assert browser.get("/board/register?status=completed&status=cancelled").status_code == 200
