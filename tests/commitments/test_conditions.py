"""Each deadline rule has an SQL form (the list's filters) and a Python form (reports rebuilt
for a past day): on the same register and day, they pick the same commitments."""

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from app.commitments.conditions import due_soon, overdue, stale

DAYS = [date(2024, 10, 30), date(2025, 11, 4), date(2025, 11, 5), date(2027, 1, 1)]


def listed(client: TestClient, **params: object) -> set[str]:
    page = client.get("/api/v1/commitments", params={"limit": 200, **params}).json()
    return {item["ref"] for item in page["items"]}


@pytest.mark.parametrize("day", DAYS)
def test_the_sql_and_python_forms_agree(client: TestClient, day: date) -> None:
    items = client.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
    due = {
        i["ref"]: (i["status"], date.fromisoformat(i["due_date"]) if i["due_date"] else None)
        for i in items
    }
    assert listed(client, overdue="true", as_of=day) == {
        ref for ref, (status, due_date) in due.items() if overdue(status, due_date, day)
    }
    assert listed(client, due_within_days=30, as_of=day) == {
        ref for ref, (status, due_date) in due.items() if due_soon(status, due_date, day, 30)
    }
    for days in (1, 400, 1000):
        expected = {
            i["ref"]
            for i in items
            if stale(
                i["status"],
                date.fromisoformat(i["last_note_on"]) if i["last_note_on"] else None,
                datetime.fromisoformat(i["created_at"]).astimezone(UTC),
                day,
                days,
            )
        }
        assert listed(client, stale_days=days, as_of=day) == expected, days
