import icalendar
from fastapi.testclient import TestClient

from tests.conftest import TOKENS


def parse(response) -> list:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return [
        c
        for c in icalendar.Calendar.from_ical(response.content).walk()
        if c.name in ("VEVENT", "VTODO")
    ]


def test_an_event_and_a_todo_per_open_dated_commitment_or_cycle(client: TestClient) -> None:
    components = parse(client.get("/api/v1/calendar.ics"))
    report = client.get("/api/v1/reports/deadlines").json()
    expected = {(i["ref"], i["cycle"], i["due_date"]) for i in report["open"]}
    events = [c for c in components if c.name == "VEVENT"]
    todos = [c for c in components if c.name == "VTODO"]
    assert len(events) == len(todos) == len(expected)
    found = set()
    for todo in todos:
        summary = str(todo["SUMMARY"])
        ref = summary.split(":")[0].split(" (")[0]
        cycle = summary.split(" (")[1].split(")")[0] if " (" in summary.split(":")[0] else None
        found.add((ref, cycle, todo["DUE"].dt.isoformat()))
        assert str(todo["STATUS"]) in {"NEEDS-ACTION", "IN-PROCESS"}
        assert 0 <= int(todo["PERCENT-COMPLETE"]) <= 100
    assert found == expected
    for event in events:
        assert (event["DTEND"].dt - event["DTSTART"].dt).days == 1, "all-day"


def test_lines_are_folded_at_75_octets_and_text_is_escaped(client: TestClient) -> None:
    title = "한국어 제목, 매우 긴 약속; 조기경보체계 공동 개선을 위한 세부 이행 계획 수립 및 점검"
    etag = client.get("/api/v1/commitments/SCM56-RCF-13").headers["etag"]
    client.patch(
        "/api/v1/commitments/SCM56-RCF-13", json={"title": title}, headers={"If-Match": etag}
    )
    raw = client.get("/api/v1/calendar.ics").content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    todos = list(icalendar.Calendar.from_ical(raw).walk("VTODO"))
    assert any(str(t["SUMMARY"]) == f"SCM56-RCF-13: {title}" for t in todos)
    assert raw.decode("utf-8")


def test_the_feed_is_filtered_like_the_list(client: TestClient) -> None:
    events = parse(client.get("/api/v1/calendar.ics", params={"area": "maritime-security"}))
    assert events == []
    ok = parse(client.get("/api/v1/calendar.ics", params={"area": "regional-security-cooperation"}))
    assert len(ok) > 0


def test_calendar_tokens_work_only_on_the_feed(
    client: TestClient, anonymous: TestClient, as_user
) -> None:
    viewer = as_user("rok-viewer")
    feed = viewer.post("/api/v1/me/calendar-token")
    assert feed.status_code == 201
    url, token = feed.json()["url"], feed.json()["token"]["token"]
    assert url.endswith(f"/api/v1/calendar.ics?token={token}")
    assert parse(anonymous.get("/api/v1/calendar.ics", params={"token": token}))
    assert (
        anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    # Elsewhere ?token= is no parameter at all (a caller without a bearer token is refused
    # for that first), and a feed token no bearer token.
    assert anonymous.get("/api/v1/commitments", params={"token": token}).status_code == 401
    assert viewer.get("/api/v1/commitments", params={"token": token}).status_code == 422
    feed_as_bearer = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/commitments", headers=feed_as_bearer).status_code == 401
    assert (
        anonymous.get("/api/v1/calendar.ics", params={"token": TOKENS["rok-viewer"]}).status_code
        == 401
    )
    second = viewer.post("/api/v1/me/calendar-token").json()["token"]["token"]
    assert anonymous.get("/api/v1/calendar.ics", params={"token": token}).status_code == 401, (
        "replaced"
    )
    assert viewer.delete("/api/v1/me/calendar-token").status_code == 204
    assert anonymous.get("/api/v1/calendar.ics", params={"token": second}).status_code == 401
    assert anonymous.get("/api/v1/calendar.ics").status_code == 401
