"""The board in a real browser: Chromium, headless, against `commitments serve` on loopback.

Debian's chromium is used (Playwright's own browser download needs the network). Without it
the tests skip with one line, except in CI, where a missing browser fails the run."""

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TOKENS
from tests.factories import make_commitment, make_contact, make_document, make_user
from tests.live_server import live_server

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = os.environ.get("COMMITMENTS_SCREENSHOTS")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if CHROMIUM is None:
        message = "no chromium on this machine: apt-get install chromium (see README)"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {message}")
        pytest.skip(f"browser tests skipped: {message}")
    return CHROMIUM


@pytest.fixture(scope="module")
def server(databases: Any) -> Iterator[str]:
    """One served register for the module; each test makes the commitments it changes."""
    database = databases.fresh(seeded=True)
    url = next(database)
    with live_server(url) as (base, _process):
        yield base
    next(database, None)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def open_as(browser: Any, server: str) -> Iterator[Any]:
    """A page signed in as one of the test users (or with a token of another), each in a
    browser context of its own."""
    contexts = []

    def signed_in(name: str, token: str | None = None) -> Any:
        context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto("/board/work")
        assert "/board/sign-in" in page.url
        page.get_by_label("API token").fill(token or TOKENS[name])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/board/work")
        return page

    yield signed_in
    for context in contexts:
        context.close()


def api(server: str, name: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKENS[name]}"})


def new_commitment(server: str, title: str = "Stand up a liaison cell", **fields: Any) -> str:
    """A commitment of the U.S. a U.S. editor makes on the served register: its ref."""
    with api(server, "us-editor") as client:
        return str(make_commitment(client, title=title, **fields)["ref"])


def shoot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


def test_an_officer_finds_a_commitment_reads_its_source_and_records_progress(
    open_as: Any, server: str
) -> None:
    page = open_as("us-editor")
    assert page.get_by_role("heading", name="My work: what US owes").is_visible()
    shoot(page, "my-work")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("completed").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=completed**")
    assert page.locator("#results tbody tr").count() > 0
    shoot(page, "register")
    page.goto("/board/commitments/SCM56-RCF-02")
    assert page.locator("blockquote.source mark").count() == 1
    shoot(page, "commitment")
    ref = new_commitment(server)
    page.goto(f"/board/commitments/{ref}")
    page.get_by_label("Note", exact=True).fill("Cell staffed; 연락반 구성 완료")
    page.get_by_label("Change status to").select_option("in_progress")
    page.get_by_role("button", name="Add note").click()
    assert page.locator("dl.facts").get_by_text("in progress").is_visible()
    assert page.get_by_text("Cell staffed; 연락반 구성 완료").is_visible()


def test_two_officers_change_one_commitment_and_nothing_is_lost(open_as: Any, server: str) -> None:
    ref = new_commitment(server)
    mine, theirs = open_as("us-editor"), open_as("admin")
    mine.goto(f"/board/commitments/{ref}")
    theirs.goto(f"/board/commitments/{ref}")
    theirs.get_by_label("Title", exact=True).fill("Stand up a combined liaison cell")
    theirs.get_by_role("button", name="Save").click()
    theirs.wait_for_load_state()
    mine.get_by_label("Note", exact=True).fill("Waiting for funding")
    mine.get_by_label("Change status to").select_option("blocked")
    mine.get_by_role("button", name="Add note").click()
    conflict = mine.get_by_role("alert")
    assert "Someone changed this commitment" in conflict.inner_text()
    assert "Stand up a combined liaison cell" in conflict.inner_text()
    shoot(mine, "conflict")
    assert mine.get_by_label("Note", exact=True).input_value() == "Waiting for funding"
    mine.get_by_role("button", name="Add note").click()
    assert mine.locator("dl.facts").get_by_text("blocked").is_visible()
    with api(server, "us-viewer") as client:
        now = client.get(f"/api/v1/commitments/{ref}").json()
    assert (now["status"], now["title"]) == ("blocked", "Stand up a combined liaison cell")


def us_editor(server: str, name: str) -> str:
    """The token of a new U.S. editor."""
    with api(server, "admin") as admin:
        return make_user(admin, "editor", "US", name=name).token


def test_two_editors_change_other_fields_of_one_commitment_and_both_changes_stay(
    open_as: Any, server: str
) -> None:
    with api(server, "admin") as admin:
        desk, liaison = (make_contact(admin, name=name) for name in ("Pat Desk", "Lee Liaison"))
    ref = new_commitment(server, due_date="2027-03-01", leads={"US": desk})
    john = open_as("john", us_editor(server, f"John Ames {ref}"))
    jane = open_as("jane", us_editor(server, f"Jane Roe {ref}"))
    john.goto(f"/board/commitments/{ref}")
    jane.goto(f"/board/commitments/{ref}")
    john.get_by_label("Title", exact=True).fill("Stand up a combined liaison cell")
    john.get_by_role("button", name="Save").click()
    sync_api.expect(john.get_by_role("heading", level=1)).to_contain_text("combined")
    # Her page still shows the old title and version; she moves the date and the lead only.
    jane.get_by_label("Due date", exact=True).fill("2027-06-30")
    jane.get_by_label("Lead for US").select_option(label="Lee Liaison")
    jane.get_by_role("button", name="Save").click()
    jane.wait_for_load_state()
    shoot(jane, "edits-merged")
    sync_api.expect(jane.get_by_role("heading", level=1)).to_contain_text("combined")
    sync_api.expect(jane.locator("dl.facts")).to_contain_text("2027-06-30")
    sync_api.expect(jane.locator("dl.facts")).to_contain_text("US: Lee Liaison")
    with api(server, "us-viewer") as client:
        now = client.get(f"/api/v1/commitments/{ref}").json()
        history = client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    assert (now["title"], now["due_date"]) == ("Stand up a combined liaison cell", "2027-06-30")
    assert [lead["contact"]["id"] for lead in now["leads"]] == [liaison]
    assert sorted(
        (entry["field"], entry["actor"]) for entry in history if entry["version"] > 1
    ) == [
        ("due_date", f"Jane Roe {ref}"),
        ("leads", f"Jane Roe {ref}"),
        ("title", f"John Ames {ref}"),
    ]


def test_a_viewer_sees_no_forms_and_a_hidden_commitment_is_not_found(
    open_as: Any, server: str
) -> None:
    hidden = new_commitment(server, releasable_to=["US"], title="U.S. eyes only")
    viewer = open_as("us-viewer")
    viewer.goto(f"/board/commitments/{hidden}")
    assert viewer.get_by_role("heading", name="U.S. eyes only").is_visible()
    assert viewer.locator("form textarea").count() == 0
    outsider = open_as("rok-viewer")
    answer = outsider.goto(f"/board/commitments/{hidden}")
    assert answer.status == 404
    assert "U.S. eyes only" not in outsider.content()


SUBMIT_AS_PAGE = """([action, fields]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    const token = document.querySelector("form.who input[name=csrf]").value;
    for (const [name, value] of Object.entries({...fields, csrf: token})) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
    }
    document.body.append(form);
    form.submit();
}"""


def test_a_viewer_is_offered_no_write_and_one_sent_anyway_is_refused(
    open_as: Any, server: str
) -> None:
    ref = new_commitment(server, title="Liaison cell the viewer reads")
    with api(server, "us-viewer") as client:
        before = client.get(f"/api/v1/commitments/{ref}").json()
    viewer = open_as("us-viewer")
    viewer.goto(f"/board/commitments/{ref}")
    assert viewer.locator("main form[method=post]").count() == 0
    # The viewer's own session and form token, on the form an editor of its party is shown.
    fields = {"text": "Cancelled by a viewer", "status": "cancelled", "version": before["version"]}
    with viewer.expect_navigation() as navigation:
        viewer.evaluate(SUBMIT_AS_PAGE, [f"/board/commitments/{ref}/notes", fields])
    assert navigation.value.status == 403
    assert viewer.get_by_role("heading", name="Not allowed").is_visible()
    assert "editor role" in viewer.get_by_role("alert").inner_text()
    with api(server, "us-viewer") as client:
        assert client.get(f"/api/v1/commitments/{ref}").json() == before


def test_a_forged_cursor_and_a_title_of_two_lines_are_refused_on_the_page(
    open_as: Any, server: str
) -> None:
    editor = open_as("us-editor")
    forged = base64.urlsafe_b64encode(b'["ref","SCM56\\u0000"]').decode().rstrip("=")
    answer = editor.goto(f"/board/register?cursor={forged}")
    assert answer.status == 400
    assert "cursor" in editor.get_by_role("alert").inner_text()
    ref = new_commitment(server, title="Liaison cell on one line")
    editor.goto(f"/board/commitments/{ref}")
    # A line separator survives a text field (a line feed would not): the form refuses it.
    editor.get_by_label("Title", exact=True).fill("Liaison cell\u2028To: someone else")
    with editor.expect_navigation() as navigation:
        editor.get_by_role("button", name="Save").click()
    assert navigation.value.status == 422
    assert "single line" in editor.get_by_role("alert").inner_text()
    with api(server, "us-viewer") as client:
        assert (
            client.get(f"/api/v1/commitments/{ref}").json()["title"] == "Liaison cell on one line"
        )


def test_the_overdue_report_prints_and_the_register_downloads_as_csv(open_as: Any) -> None:
    page = open_as("admin")
    page.get_by_role("link", name="Overdue").click()
    assert page.get_by_role("heading", name="Overdue as of").is_visible()
    shoot(page, "overdue")
    page.emulate_media(media="print")
    sync_api.expect(page.get_by_role("navigation", name="Board")).to_be_hidden()
    page.emulate_media(media="screen")
    page.goto("/board/register?status=completed")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = download.value.path()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("ref,")
    assert all(",completed," in line for line in lines[1:])


def test_a_statement_is_reviewed_beside_its_text(open_as: Any, server: str) -> None:
    with api(server, "us-editor") as client:
        taken = make_document(client, title="Joint statement on deterrence")
    slug = taken["document"]["slug"]
    ours = next(c for c in taken["candidates"] if "US" in c["obligors"])
    page = open_as("us-editor")
    page.goto(f"/board/documents/{slug}/review")
    assert page.locator(".text mark").count() >= 2
    shoot(page, "review")
    card = page.locator(f"#candidate-{ours['number']}")
    card.get_by_text("Accept, with edits").click()
    card.get_by_label("Title", exact=True).fill("Deploy surveillance assets (edited)")
    card.get_by_role("button", name="Accept", exact=True).click()
    accepted = page.locator(f"#candidate-{ours['number']}")
    assert accepted.get_by_text("became").is_visible()
    accepted.get_by_role("link").last.click()
    assert page.get_by_role("heading", name="Deploy surveillance assets (edited)").is_visible()


def test_a_forged_form_is_refused_and_signing_out_ends_the_session(
    open_as: Any, server: str
) -> None:
    page = open_as("us-editor")
    page.goto(f"/board/commitments/{new_commitment(server)}")
    page.locator("form[action$='/notes'] input[name=csrf]").evaluate("e => e.value = 'forged'")
    page.get_by_label("Note", exact=True).fill("Should not be recorded")
    page.get_by_role("button", name="Add note").click()
    assert page.get_by_role("heading", name="Form expired").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/board/sign-in")
    page.goto("/board/work")
    assert "/board/sign-in" in page.url


def test_the_keyboard_reaches_the_content_first_and_pages_hold_at_200_percent_zoom(
    browser: Any, server: str, open_as: Any
) -> None:
    page = open_as("us-editor")
    page.goto("/board/commitments/SCM56-RCF-02")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    # 200% zoom of a 1280-pixel window: the layout of a 640-pixel one, with nothing cut off.
    page.set_viewport_size({"width": 640, "height": 900})
    for path in ("/board/work", "/board/register", "/board/commitments/SCM56-RCF-02"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
