from datetime import date, timedelta

from fastapi.testclient import TestClient

from app.core.time import today
from tests.factories import make_commitment, make_meeting
from tests.seed_data import refs_where

ANNUAL = "SCM56-RCF-14"  # at least one project or initiative each year before the SCM
CONTACTS = "SCM56-RCF-13"  # identify points of contact: due at the next SCM after SCM-56
# Under way by its statement's words, with that sentence as its first note.
SHOWN_BY_ITS_STATEMENT = refs_where(
    lambda _slug, c: c.evidence is not None and c.status.value == "in_progress"
)[0]


def get(client: TestClient, ref: str) -> dict:
    response = client.get(f"/api/v1/commitments/{ref}")
    assert response.status_code == 200, response.text
    return response.json()


def etag(client: TestClient, ref: str) -> str:
    return client.get(f"/api/v1/commitments/{ref}").headers["etag"]


def move_meeting(client: TestClient, key: str, held_on: date | None) -> dict:
    meeting = client.get(f"/api/v1/meetings/{key}")
    response = client.patch(
        f"/api/v1/meetings/{key}",
        json={"held_on": held_on.isoformat() if held_on else None},
        headers={"If-Match": meeting.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    return response.json()


def overdue_refs(client: TestClient, **params: object) -> set[tuple[str, str | None]]:
    report = client.get("/api/v1/reports/deadlines", params=params).json()
    return {(item["ref"], item["cycle"]) for item in report["overdue"]}


def test_a_rule_follows_the_next_meeting_after_the_commitment_was_made(client: TestClient) -> None:
    body = get(client, CONTACTS)
    assert body["due_rule"] == {"series": "SCM", "occurrence": "next", "offset_days": 0}
    assert (body["due_meeting"], body["due_date"], body["due_state"]) == (
        "SCM-57",
        "2025-11-04",
        "scheduled",
    )


def test_the_annual_commitment_has_a_cycle_per_scm_after_its_adoption(client: TestClient) -> None:
    body = get(client, ANNUAL)
    # "each year before the SCM": the day before each one.
    assert body["recurrence"] == {"series": "SCM", "every": None, "start": None, "offset_days": -1}
    cycles = {c["key"]: c for c in body["cycles"]}
    assert list(cycles) == ["SCM-57", "SCM-58"]
    assert (cycles["SCM-57"]["due_date"], cycles["SCM-57"]["due_state"]) == (
        "2025-11-03",
        "scheduled",
    )
    assert (cycles["SCM-58"]["due_date"], cycles["SCM-58"]["due_state"]) == (
        None,
        "to_be_determined",
    )
    assert body["due_date"] == "2025-11-03"
    assert body["compliance"] == {
        "cycles_due": 1,
        "completed_on_time": 0,
        "completed_late": 0,
        "missed": 1,
        "open": 2,
    }


def test_date_to_be_determined_is_not_no_due_date_and_is_never_overdue(client: TestClient) -> None:
    created = make_commitment(
        client,
        title="Brief the 58th SCM",
        parties=["US", "ROK"],
        due_rule={"series": "SCM", "occurrence": 58, "offset_days": -14},
    )
    assert (created["due_date"], created["due_state"], created["due_meeting"]) == (
        None,
        "to_be_determined",
        "SCM-58",
    )
    undated = make_commitment(client, title="Someday", parties=["US"])
    assert undated["due_state"] == "none"
    far_future = (today() + timedelta(days=3650)).isoformat()
    overdue = overdue_refs(client, as_of=far_future)
    assert (created["ref"], None) not in overdue
    assert (undated["ref"], None) not in overdue
    listed = client.get(
        "/api/v1/commitments", params={"overdue": "true", "as_of": far_future, "limit": 200}
    )
    assert created["ref"] not in [i["ref"] for i in listed.json()["items"]]


def test_moving_an_scm_changes_which_commitments_are_overdue(client: TestClient, as_user) -> None:
    created = make_commitment(
        client,
        title="Agree the SCM-58 deliverables",
        parties=["US", "ROK"],
        due_rule={"series": "SCM", "occurrence": 58, "offset_days": -30},
    )
    ref = created["ref"]
    day = today()
    move_meeting(client, "SCM-58", day + timedelta(days=10))
    moved = get(client, ref)
    assert moved["due_date"] == (day - timedelta(days=20)).isoformat()
    assert (ref, None) in overdue_refs(client)
    overdue_list = client.get(
        "/api/v1/commitments", params={"overdue": "true", "limit": 200}
    ).json()
    assert ref in [i["ref"] for i in overdue_list["items"]]
    move_meeting(client, "SCM-58", day + timedelta(days=50))
    assert get(client, ref)["due_date"] == (day + timedelta(days=20)).isoformat()
    assert (ref, None) not in overdue_refs(client)
    soon = client.get("/api/v1/commitments", params={"due_within_days": 30, "limit": 200}).json()
    assert ref in [i["ref"] for i in soon["items"]]
    reasons = [
        e["reason"]
        for e in client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
        if e["field"] == "due_date"
    ]
    first, second = (day + timedelta(days=10)).isoformat(), (day + timedelta(days=50)).isoformat()
    assert reasons == [f"SCM-58 scheduled for {first}", f"SCM-58 moved from {first} to {second}"]
    assert {
        e["actor"] for e in client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    } == {"admin"}


def test_a_cycle_completed_on_time_stays_green_while_the_next_goes_red(client: TestClient) -> None:
    before = get(client, ANNUAL)["status"]
    completed = client.post(
        f"/api/v1/commitments/{ANNUAL}/updates",
        json={
            "text": "Maritime domain awareness initiative presented to the KIDD",
            "evidence_url": "https://example.org/kidd-2025",
            "cycle": "SCM-57",
            "status": "completed",
            "as_of": "2025-10-20",
        },
        headers={"If-Match": etag(client, ANNUAL)},
    )
    assert completed.status_code == 201, completed.text
    assert completed.json()["cycle"] == "SCM-57"
    after = get(client, ANNUAL)
    assert after["status"] == before, "the commitment itself stays open"
    assert after["due_date"] is None
    assert after["due_state"] == "to_be_determined"
    assert not {(ANNUAL, "SCM-57"), (ANNUAL, "SCM-58")} & overdue_refs(client)
    move_meeting(client, "SCM-58", today() - timedelta(days=3))
    overdue = overdue_refs(client)
    assert (ANNUAL, "SCM-58") in overdue
    assert (ANNUAL, "SCM-57") not in overdue
    cycles = {c["key"]: c for c in get(client, ANNUAL)["cycles"]}
    assert (cycles["SCM-57"]["status"], cycles["SCM-57"]["on_time"]) == ("completed", True)
    assert cycles["SCM-58"]["due_date"] == (today() - timedelta(days=4)).isoformat()
    assert get(client, ANNUAL)["compliance"] == {
        "cycles_due": 2,
        "completed_on_time": 1,
        "completed_late": 0,
        "missed": 1,
        "open": 1,
    }


def test_a_late_cycle_counts_as_completed_late(client: TestClient) -> None:
    client.post(
        f"/api/v1/commitments/{ANNUAL}/updates",
        json={
            "text": "Presented after the SCM",
            "cycle": "scm-57",
            "status": "completed",
            "as_of": "2025-12-01",
        },
        headers={"If-Match": etag(client, ANNUAL)},
    )
    assert get(client, ANNUAL)["compliance"]["completed_late"] == 1


def test_a_new_meeting_adds_a_cycle_and_cycle_notes_need_a_real_cycle(client: TestClient) -> None:
    created = make_meeting(client, series="SCM", number=59, place="Washington, D.C.")
    assert created["key"] == "SCM-59"
    assert [c["key"] for c in get(client, ANNUAL)["cycles"]] == ["SCM-57", "SCM-58", "SCM-59"]
    entries = client.get(f"/api/v1/commitments/{ANNUAL}/history").json()["items"]
    assert any(e["field"] == "cycle SCM-59" and e["reason"] == "SCM-59 added" for e in entries)
    missing = client.post(
        f"/api/v1/commitments/{ANNUAL}/updates", json={"text": "x", "cycle": "SCM-12"}
    )
    assert missing.status_code == 422
    assert client.post("/api/v1/meetings", json={"series": "SCM", "number": 59}).status_code == 409


def test_fixed_interval_recurrence(client: TestClient) -> None:
    start = date(today().year, 1, 1)
    created = make_commitment(
        client,
        title="Quarterly information-sharing report",
        parties=["US", "ROK"],
        recurrence={"every": "quarter", "start": start.isoformat()},
    )
    keys = [c["key"] for c in created["cycles"]]
    assert keys[:4] == [f"{start.year}-Q{q}" for q in (1, 2, 3, 4)]
    assert created["cycles"][0]["due_date"] == f"{start.year}-03-31"
    assert created["cycles"][3]["due_date"] == f"{start.year}-12-31"
    assert date.fromisoformat(created["cycles"][-1]["due_date"]) > today()
    yearly = make_commitment(
        client,
        title="Annual review",
        parties=["US"],
        recurrence={"every": "year", "start": "2025-06-01", "offset_days": 31},
    )
    assert yearly["cycles"][0] == yearly["cycles"][0] | {"key": "2025", "due_date": "2026-01-31"}


def test_rules_and_recurrences_are_validated(client: TestClient) -> None:
    for body in (
        {"due_rule": {"series": "XYZ"}},
        {"due_rule": {"series": "SCM", "occurrence": 0}},
        {"due_rule": {"series": "SCM", "occurrence": "last"}},
        {"due_rule": {"series": "SCM"}, "due_date": "2026-01-01"},
        {"recurrence": {"every": "week", "start": "2026-01-01"}},
        {"recurrence": {"every": "year"}},
        {"recurrence": {"series": "SCM", "every": "year", "start": "2026-01-01"}},
        {"recurrence": {"series": "SCM"}, "due_rule": {"series": "SCM"}},
    ):
        response = client.post(
            "/api/v1/commitments", json={"title": "x", "parties": ["US"], **body}
        )
        assert response.status_code == 422, (body, response.text)


def test_only_admins_schedule_meetings_and_only_with_if_match(as_user, client: TestClient) -> None:
    editor = as_user("us-editor")
    assert (
        editor.patch(
            "/api/v1/meetings/SCM-58", json={"held_on": "2026-12-01"}, headers={"If-Match": '"1"'}
        ).status_code
        == 403
    )
    assert editor.post("/api/v1/meetings", json={"series": "SCM", "number": 60}).status_code == 403
    assert (
        client.patch("/api/v1/meetings/SCM-58", json={"held_on": "2026-12-01"}).status_code == 428
    )
    assert (
        client.patch(
            "/api/v1/meetings/SCM-58", json={"held_on": "2026-12-01"}, headers={"If-Match": '"7"'}
        ).status_code
        == 412
    )


def test_as_of_reproduces_a_day(client: TestClient) -> None:
    assert (CONTACTS, None) not in overdue_refs(client, as_of="2025-11-04")
    assert (CONTACTS, None) in overdue_refs(client, as_of="2025-11-05")
    before = client.get(
        "/api/v1/commitments", params={"overdue": "true", "as_of": "2025-11-04"}
    ).json()
    assert CONTACTS not in [i["ref"] for i in before["items"]]
    report = client.get(
        "/api/v1/reports/deadlines", params={"as_of": "2025-10-10", "due_soon_days": 30}
    ).json()
    assert (CONTACTS, None) in {(i["ref"], i["cycle"]) for i in report["due_soon"]}
    item = next(i for i in report["due_soon"] if i["ref"] == CONTACTS)
    assert item["days_overdue"] == -25


def test_stale_means_open_without_a_note_for_n_days(client: TestClient) -> None:
    day = today()
    # A note may be dated tomorrow at the latest: measured 95 days on with a 94-day limit, it
    # is recent while everything seeded today is stale.
    later = (day + timedelta(days=95)).isoformat()
    stale = client.get(
        "/api/v1/commitments",
        params={"stale_days": 94, "as_of": later, "limit": 200, "total": True},
    ).json()
    open_total = client.get(
        "/api/v1/commitments",
        params={
            "status": ["not_started", "in_progress", "at_risk", "blocked"],
            "limit": 200,
            "total": True,
        },
    ).json()["total"]
    assert stale["total"] == open_total
    client.post(
        f"/api/v1/commitments/{CONTACTS}/updates",
        json={"text": "Still working on it", "as_of": (day + timedelta(days=1)).isoformat()},
    )
    refreshed = client.get(
        "/api/v1/commitments",
        params={"stale_days": 94, "as_of": later, "limit": 200, "total": True},
    ).json()
    assert refreshed["total"] == open_total - 1
    report = client.get(
        "/api/v1/reports/deadlines", params={"as_of": later, "stale_days": 94}
    ).json()
    assert CONTACTS not in {i["ref"] for i in report["stale"]}
    assert len(report["stale"]) == open_total - 1


def test_the_overdue_report_groups_by_party_and_lead(client: TestClient) -> None:
    lead = client.post(
        "/api/v1/contacts", json={"name": "OSD Korea desk", "party": "US", "kind": "office"}
    ).json()
    client.patch(
        f"/api/v1/commitments/{CONTACTS}",
        json={"leads": [{"party": "US", "contact_id": lead["id"]}]},
        headers={"If-Match": etag(client, CONTACTS)},
    )
    report = client.get("/api/v1/reports/overdue").json()
    groups = {(g["party"], g["lead"]): g for g in report["groups"]}
    assert CONTACTS in [i["ref"] for i in groups[("US", "OSD Korea desk")]["items"]]
    assert CONTACTS in [i["ref"] for i in groups[("ROK", None)]["items"]]
    assert CONTACTS not in [i["ref"] for i in groups.get(("US", None), {"items": []})["items"]]
    us_group = groups[("US", "OSD Korea desk")]
    assert us_group["max_days_overdue"] == (today() - date(2025, 11, 4)).days
    assert any(len(group["items"]) > 2 for group in report["groups"])
    for group in report["groups"]:
        days = [item["days_overdue"] for item in group["items"]]
        assert days == sorted(days, reverse=True)
        assert group["max_days_overdue"] == max(days)
    assert report["total"] == len(client.get("/api/v1/reports/deadlines").json()["overdue"])


def test_the_deadline_lists_respect_releasability(client: TestClient, as_user) -> None:
    secret = make_commitment(
        as_user("us-editor"), title="U.S.-only overdue item", parties=["US"], due_date="2020-01-01"
    )["ref"]
    assert (secret, None) in overdue_refs(client)
    rok = as_user("rok-viewer").get("/api/v1/reports/deadlines").json()
    assert secret not in {i["ref"] for i in rok["overdue"]}
    assert secret not in str(as_user("rok-viewer").get("/api/v1/reports/overdue").json())


def test_interval_cycles_are_extended_as_time_passes(
    client: TestClient, database, monkeypatch
) -> None:
    from app.core.security import Actor, Channel
    from app.meetings.service import extend_interval_cycles

    created = make_commitment(
        client,
        title="Yearly review",
        parties=["US"],
        recurrence={"every": "year", "start": f"{today().year}-01-01"},
    )
    keys = [c["key"] for c in created["cycles"]]
    assert keys == [str(today().year), str(today().year + 1)]
    later = today() + timedelta(days=800)
    monkeypatch.setattr("app.commitments.deadlines.today", lambda: later)
    with database.session() as session:
        changed = extend_interval_cycles(
            session=session, actor=Actor(name="system", channel=Channel.system)
        )
        session.commit()
    assert changed == 1
    extended = [c["key"] for c in get(client, created["ref"])["cycles"]]
    assert extended[-1] == str(later.year + 1)
    entries = client.get(f"/api/v1/commitments/{created['ref']}/history").json()["items"]
    assert {e["channel"] for e in entries if e["reason"] == "a new period came into view"} == {
        "system"
    }


def test_the_deadline_report_can_leave_out_the_open_list(client: TestClient) -> None:
    full = client.get("/api/v1/reports/deadlines").json()
    lean = client.get("/api/v1/reports/deadlines", params={"include_open": False}).json()
    assert full["open"]
    assert lean["open"] == []
    for section in ("overdue", "due_soon", "stale"):
        assert lean[section] == full[section]


def test_a_note_dated_before_the_entry_does_not_make_a_new_commitment_stale(
    client: TestClient,
) -> None:
    # The seeds give some commitments the statement's own sentence as a note dated years
    # ago; entered today, they are not stale until the limit has passed since their entry.
    shown = client.get(f"/api/v1/commitments/{SHOWN_BY_ITS_STATEMENT}").json()
    assert shown["last_note_on"] is not None
    assert date.fromisoformat(shown["last_note_on"]) < today() - timedelta(days=90)
    fresh = client.get("/api/v1/commitments", params={"stale_days": 90, "limit": 200}).json()
    assert SHOWN_BY_ITS_STATEMENT not in {item["ref"] for item in fresh["items"]}
    later = (today() + timedelta(days=91)).isoformat()
    aged = client.get(
        "/api/v1/commitments", params={"stale_days": 90, "as_of": later, "limit": 200}
    ).json()
    assert SHOWN_BY_ITS_STATEMENT in {item["ref"] for item in aged["items"]}
