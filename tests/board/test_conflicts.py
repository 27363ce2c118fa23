"""Two officers editing one commitment on the board: each writes only the fields they
changed, and neither undoes the other, whether or not their pages were fresh."""

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.board.conftest import form_of
from tests.board.test_pages import page_of
from tests.factories import make_commitment, make_contact

Browsers = Callable[[str], TestClient]
Users = Callable[[str], TestClient]


def authors(api: TestClient, ref: str) -> set[tuple[str, str]]:
    """Each (field, actor) of the commitment's history after its creation."""
    history = api.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    return {(entry["field"], entry["actor"]) for entry in history if entry["version"] > 1}


def test_a_title_and_a_due_date_changed_on_two_pages_both_stay(
    board: Browsers, as_user: Users
) -> None:
    admin = as_user("admin")
    first, second = make_contact(admin, name="Jane Doe"), make_contact(admin, name="Sam Lee")
    leads = {"US": first}
    ref = make_commitment(as_user("us-editor"), due_date="2027-03-01", leads=leads)["ref"]
    jane, john = board("us-editor"), board("admin")
    action = f"/board/commitments/{ref}/edit"
    janes_page = page_of(jane, ref)
    renamed = john.post(
        action,
        data=form_of(page_of(john, ref), action, title="Open a liaison office in Seoul"),
        follow_redirects=False,
    )
    assert renamed.status_code == 303, renamed.text
    # Her page still shows the old title: what she did not change is not sent.
    moved = jane.post(
        action,
        data=form_of(janes_page, action, due_date="2027-06-30", lead_contact=str(second)),
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    api = as_user("us-viewer")
    now = api.get(f"/api/v1/commitments/{ref}").json()
    assert (now["title"], now["due_date"]) == ("Open a liaison office in Seoul", "2027-06-30")
    assert [lead["contact"]["id"] for lead in now["leads"]] == [second]
    assert authors(api, ref) == {
        ("title", "admin"),
        ("due_date", "us-editor"),
        ("leads", "us-editor"),
    }


def test_a_field_both_changed_is_shown_and_the_resent_form_keeps_the_others(
    board: Browsers, as_user: Users
) -> None:
    admin = as_user("admin")
    first, second = make_contact(admin, name="Jane Doe"), make_contact(admin, name="Sam Lee")
    leads = {"US": first}
    ref = make_commitment(as_user("us-editor"), due_date="2027-03-01", leads=leads)["ref"]
    jane, john = board("us-editor"), board("admin")
    action = f"/board/commitments/{ref}/edit"
    janes_page = page_of(jane, ref)
    johns = form_of(page_of(john, ref), action, title="Liaison office", due_date="2027-04-15")
    assert john.post(action, data=johns, follow_redirects=False).status_code == 303
    conflict = jane.post(
        action, data=form_of(janes_page, action, due_date="2027-06-30", lead_contact=str(second))
    )
    assert conflict.status_code == 409
    api = as_user("us-viewer")
    assert api.get(f"/api/v1/commitments/{ref}").json()["due_date"] == "2027-04-15"
    resent = form_of(conflict.text, action)
    # His title as it now is; her due date and lead, the date he set marked beside hers.
    assert resent["title"] == ["Liaison office"]
    assert (resent["due_date"], resent["lead_contact"]) == (["2027-06-30"], [str(second)])
    assert re.search(r'id="clash-due">[^<]*2027-04-15', conflict.text)
    assert 'id="clash-title"' not in conflict.text
    assert 'id="clash-lead-US"' not in conflict.text
    answer = jane.post(action, data=resent, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    now = api.get(f"/api/v1/commitments/{ref}").json()
    assert (now["title"], now["due_date"]) == ("Liaison office", "2027-06-30")
    assert [lead["contact"]["id"] for lead in now["leads"]] == [second]
    assert authors(api, ref) == {
        ("title", "admin"),
        ("due_date", "admin"),
        ("due_date", "us-editor"),
        ("leads", "us-editor"),
    }


def test_each_party_changes_its_own_lead_on_a_stale_page_and_both_stay(
    board: Browsers, as_user: Users
) -> None:
    admin = as_user("admin")
    ours, theirs = (
        make_contact(admin, name="Jane Doe"),
        make_contact(admin, name="Kim Min-jun", party="ROK"),
    )
    ref = make_commitment(as_user("us-editor"), parties=["US", "ROK"], releasable_to=["US", "ROK"])[
        "ref"
    ]
    us, rok = board("us-editor"), board("rok-editor")
    action = f"/board/commitments/{ref}/edit"
    us_page = page_of(us, ref)
    rok_form = form_of(page_of(rok, ref), action, lead_contact="")
    rok_form["lead_contact"] = [
        "" if party == "US" else str(theirs) for party in rok_form["lead_party"]
    ]
    assert rok.post(action, data=rok_form, follow_redirects=False).status_code == 303
    us_form = form_of(us_page, action)
    us_form["lead_contact"] = [
        str(ours) if party == "US" else "" for party in us_form["lead_party"]
    ]
    assert us.post(action, data=us_form, follow_redirects=False).status_code == 303
    now = as_user("us-viewer").get(f"/api/v1/commitments/{ref}").json()
    assert {lead["party"]: lead["contact"]["id"] for lead in now["leads"]} == {
        "ROK": theirs,
        "US": ours,
    }


def assessments(api: TestClient, ref: str) -> dict[str, tuple[int | None, str | None, str | None]]:
    now = api.get(f"/api/v1/commitments/{ref}").json()["assessments"]
    return {a["party"]: (a["compliance"], a["completion"], a["evidence"]) for a in now}


def test_an_assessment_resent_after_a_conflict_keeps_what_the_colleague_changed(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("us-editor"))["ref"]
    jane, john = board("us-editor"), board("admin")
    action = f"/board/commitments/{ref}/assessments/US"
    first = form_of(page_of(john, ref), action, compliance="0", completion="limited")
    first["evidence"] = ["Office leased"]
    assert john.post(action, data=first, follow_redirects=False).status_code == 303
    janes_page = page_of(jane, ref)
    johns = form_of(page_of(john, ref), action, evidence="Office leased and staffed")
    assert john.post(action, data=johns, follow_redirects=False).status_code == 303
    conflict = jane.post(action, data=form_of(janes_page, action, completion="substantial"))
    assert conflict.status_code == 409
    resent = form_of(conflict.text, action)
    assert (resent["compliance"], resent["completion"], resent["evidence"]) == (
        ["0"],
        ["substantial"],
        ["Office leased and staffed"],
    )
    assert "clash-" not in conflict.text.split('id="assessments"')[1]
    assert jane.post(action, data=resent, follow_redirects=False).status_code == 303
    api = as_user("us-viewer")
    assert assessments(api, ref) == {"US": (0, "substantial", "Office leased and staffed")}
    # Where both changed the evidence, hers stays in the form and his is shown beside it.
    stale = page_of(jane, ref)
    johns = form_of(page_of(john, ref), action, evidence="Staffed by six")
    assert john.post(action, data=johns, follow_redirects=False).status_code == 303
    both = jane.post(action, data=form_of(stale, action, evidence="Staffed by five"))
    assert both.status_code == 409
    assert form_of(both.text, action)["evidence"] == ["Staffed by five"]
    assert re.search(r'id="clash-evidence-US">[^<]*Staffed by six', both.text)


def test_an_obligor_is_assessed_on_a_page_older_than_another_obligors_assessment(
    board: Browsers, as_user: Users
) -> None:
    ref = make_commitment(as_user("us-editor"), parties=["US", "ROK"], releasable_to=["US", "ROK"])[
        "ref"
    ]
    us, rok = board("us-editor"), board("rok-editor")
    us_page = page_of(us, ref)
    rok_action = f"/board/commitments/{ref}/assessments/ROK"
    rok_form = form_of(page_of(rok, ref), rok_action, compliance="1", evidence="Law passed")
    assert rok.post(rok_action, data=rok_form, follow_redirects=False).status_code == 303
    us_action = f"/board/commitments/{ref}/assessments/US"
    us_form = form_of(us_page, us_action, completion="not_started")
    assert us.post(us_action, data=us_form, follow_redirects=False).status_code == 303
    assert assessments(as_user("us-viewer"), ref) == {
        "ROK": (1, None, "Law passed"),
        "US": (None, "not_started", None),
    }


def test_evidence_of_several_lines_sent_back_by_a_browser_counts_as_unchanged(
    board: Browsers, as_user: Users
) -> None:
    made = make_commitment(as_user("us-editor"), parties=["US", "ROK"], releasable_to=["US", "ROK"])
    ref = made["ref"]
    assessed = as_user("us-editor").put(
        f"/api/v1/commitments/{ref}/assessments/US",
        json={"completion": "limited", "evidence": "Office leased\nStaff named"},
        headers={"If-Match": f'"{made["version"]}"'},
    )
    assert assessed.status_code == 200, assessed.text
    us, rok = board("us-editor"), board("rok-editor")
    us_page = page_of(us, ref)
    rok_action = f"/board/commitments/{ref}/assessments/ROK"
    rok_form = form_of(page_of(rok, ref), rok_action, compliance="1")
    assert rok.post(rok_action, data=rok_form, follow_redirects=False).status_code == 303
    us_action = f"/board/commitments/{ref}/assessments/US"
    us_form = form_of(us_page, us_action, completion="substantial")
    # As a browser sends them: each line break of the textarea and the hidden field a CRLF.
    for name in ("evidence", "was_evidence"):
        us_form[name] = [value.replace("\n", "\r\n") for value in us_form[name]]
    answer = us.post(us_action, data=us_form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    now = assessments(as_user("us-viewer"), ref)
    assert now["US"][:2] == (None, "substantial")
    assert now["ROK"] == (1, None, None)


def test_an_assessment_saved_from_a_fresh_page_keeps_its_evidence_as_it_was(
    board: Browsers, as_user: Users
) -> None:
    made = make_commitment(as_user("us-editor"))
    ref = made["ref"]
    assessed = as_user("us-editor").put(
        f"/api/v1/commitments/{ref}/assessments/US",
        json={"completion": "limited", "evidence": "Office leased\nStaff named"},
        headers={"If-Match": f'"{made["version"]}"'},
    )
    assert assessed.status_code == 200, assessed.text
    us = board("us-editor")
    action = f"/board/commitments/{ref}/assessments/US"
    form = form_of(page_of(us, ref), action, compliance="1")
    # As a browser sends them: each line break of the textarea and the hidden field a CRLF.
    for name in ("evidence", "was_evidence"):
        form[name] = [value.replace("\n", "\r\n") for value in form[name]]
    assert us.post(action, data=form, follow_redirects=False).status_code == 303
    api = as_user("us-viewer")
    assert assessments(api, ref)["US"] == (1, "limited", "Office leased\nStaff named")
    change = api.get(f"/api/v1/commitments/{ref}/history").json()["items"][-1]
    before, after = change["old_value"]["US"], change["new_value"]["US"]
    assert (before["compliance"], after["compliance"]) == (None, 1)
    assert before["evidence"] == after["evidence"] == "Office leased\nStaff named"
