import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from tests.seed_data import released_to, seeded_commitments

GROUPS = ["area", "status", "party", "lead", "document", "meeting"]
FILTERS = [
    {},
    {"party": "ROK"},
    {"status": ["in_progress", "not_started"]},
    {"area": "regional-security-cooperation"},
    {"overdue": "true"},
    {"document": "scm56-2plus2-fact-sheet-and-rcf", "q": "cooperation"},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("group_by", GROUPS)
def test_summary_totals_agree_with_the_list(
    client: TestClient, group_by: str, filters: dict
) -> None:
    report = client.get("/api/v1/reports/summary", params={"group_by": group_by, **filters}).json()
    listed = client.get(
        "/api/v1/commitments", params={**filters, "limit": 200, "total": True}
    ).json()
    assert report["totals"]["total"] == listed["total"]
    assert sum(report["totals"]["by_status"].values()) == listed["total"]
    statuses = [i["status"] for i in listed["items"]]
    assert report["totals"]["by_status"] == {
        s: statuses.count(s) for s in report["totals"]["by_status"]
    }
    overdue = client.get(
        "/api/v1/commitments", params={**filters, "overdue": "true", "total": True}
    ).json()["total"]
    assert report["totals"]["overdue"] == overdue


def test_each_group_matches_the_list_filtered_to_it(client: TestClient) -> None:
    for group in client.get("/api/v1/reports/summary", params={"group_by": "area"}).json()[
        "groups"
    ]:
        if group["key"] is not None:
            params = {"area": group["key"], "total": True}
            total = client.get("/api/v1/commitments", params=params).json()["total"]
            assert group["total"] == total, group["key"]
    by_party = client.get("/api/v1/reports/summary", params={"group_by": "party"}).json()["groups"]
    assert {g["key"]: g["total"] for g in by_party} == {
        code: sum(code in c.obligor_parties() for _, c in seeded_commitments())
        for code in {p for _, c in seeded_commitments() for p in c.obligor_parties()}
    }


@pytest.mark.parametrize("dimension", ["kind", "obligor", "counterpart", "topic"])
def test_who_owes_whom_groups_match_the_list_filtered_to_them(
    client: TestClient, dimension: str
) -> None:
    groups = client.get("/api/v1/reports/summary", params={"group_by": dimension}).json()["groups"]
    keyed = [group for group in groups if group["key"] is not None]
    assert keyed
    for group in keyed:
        params = {dimension: group["key"], "total": True}
        total = client.get("/api/v1/commitments", params=params).json()["total"]
        assert group["total"] == total, (dimension, group["key"])


def test_completed_share_and_status_groups(client: TestClient) -> None:
    report = client.get("/api/v1/reports/summary", params={"group_by": "status"}).json()
    completed = sum(c.status.value == "completed" for _, c in seeded_commitments())
    assert report["totals"]["completed_share"] == round(completed / len(seeded_commitments()), 4)
    assert {g["key"]: g["total"] for g in report["groups"]}["completed"] == completed


def test_the_cycle_report_before_the_57th_scm(client: TestClient) -> None:
    report = client.get("/api/v1/reports/cycle", params={"meeting": "SCM-57"}).json()
    assert (report["held_on"], report["window_start"]) == ("2025-11-04", "2024-10-30")
    outcomes = {(i["ref"], i["cycle"]): i["outcome"] for i in report["items"]}
    assert outcomes == {
        ("SCM56-FS-01", None): "on_time",  # the 2+2 meeting, held as announced
        ("SCM56-2P2-03", None): "on_time",  # the talks after the 2+2, that afternoon
        ("SCM56-RCF-11", "SCM-57"): "not_done",
        ("SCM56-RCF-13", None): "not_done",
        ("SCM56-RCF-14", "SCM-57"): "not_done",
    }
    assert report["totals"] == {
        "due": 5,
        "on_time": 2,
        "late": 0,
        "not_done": 3,
        "on_time_share": 0.4,
    }
    assert report["by_party"]["US"]["due"] == 5
    assert report["by_area"]["regional-security-cooperation"]["not_done"] == 3


def test_a_cycle_done_late_shows_as_late(client: TestClient) -> None:
    etag = client.get("/api/v1/commitments/SCM56-RCF-14").headers["etag"]
    client.post(
        "/api/v1/commitments/SCM56-RCF-14/updates",
        json={
            "text": "Presented at the KIDD after the SCM",
            "cycle": "SCM-57",
            "status": "completed",
            "as_of": "2025-12-10",
        },
        headers={"If-Match": etag},
    )
    etag = client.get("/api/v1/commitments/SCM56-RCF-13").headers["etag"]
    client.patch(
        "/api/v1/commitments/SCM56-RCF-13",
        json={"status": "completed", "progress_note": {"text": "Named", "as_of": "2025-10-01"}},
        headers={"If-Match": etag},
    )
    report = client.get("/api/v1/reports/cycle", params={"meeting": "SCM-57"}).json()
    outcomes = {(i["ref"], i["cycle"]): (i["outcome"], i["completed_on"]) for i in report["items"]}
    assert outcomes[("SCM56-RCF-14", "SCM-57")] == ("late", "2025-12-10")
    assert outcomes[("SCM56-RCF-13", None)] == ("on_time", "2025-10-01")
    assert client.get("/api/v1/reports/cycle", params={"meeting": "SCM-58"}).status_code == 409
    assert client.get("/api/v1/reports/cycle", params={"meeting": "SCM-99"}).status_code == 404


def test_the_register_as_it_stood_is_rebuilt_from_history(client: TestClient, monkeypatch) -> None:
    ref = "SCM56-RCF-05"
    before = client.get(f"/api/v1/commitments/{ref}").json()
    monkeypatch.setattr(
        "app.commitments.writer.utcnow", lambda: datetime(2030, 1, 10, 12, tzinfo=UTC)
    )
    client.patch(
        f"/api/v1/commitments/{ref}",
        json={"status": "at_risk", "due_date": "2030-06-30"},
        headers={"If-Match": f'"{before["version"]}"'},
    )
    monkeypatch.setattr(
        "app.commitments.writer.utcnow", lambda: datetime(2030, 3, 5, 9, tzinfo=UTC)
    )
    client.patch(
        f"/api/v1/commitments/{ref}",
        json={"status": "blocked", "title": "Stalled"},
        headers={"If-Match": f'"{before["version"] + 1}"'},
    )
    monkeypatch.undo()

    def as_of(day: str) -> dict:
        response = client.get(f"/api/v1/commitments/{ref}", params={"as_of": day})
        assert response.status_code == 200, response.text
        return response.json()

    assert as_of("2029-12-31") == before | {"archived": False}
    january = as_of("2030-01-10")
    assert (january["status"], january["due_date"], january["title"], january["version"]) == (
        "at_risk",
        "2030-06-30",
        before["title"],
        before["version"] + 1,
    )
    march = as_of("2030-03-05")
    assert (march["status"], march["title"]) == ("blocked", "Stalled")
    feb = client.get(
        "/api/v1/reports/summary", params={"group_by": "status", "as_of": "2030-02-01"}
    ).json()
    now = client.get(
        "/api/v1/reports/summary", params={"group_by": "status", "as_of": "2030-04-01"}
    ).json()
    assert feb["totals"]["by_status"]["at_risk"] == now["totals"]["by_status"]["at_risk"] + 1
    assert now["totals"]["by_status"]["blocked"] == feb["totals"]["by_status"]["blocked"] + 1
    at_risk_then = client.get(
        "/api/v1/reports/summary",
        params={"group_by": "status", "as_of": "2030-02-01", "status": "at_risk"},
    ).json()
    assert at_risk_then["totals"]["total"] == 1
    assert (
        client.get(f"/api/v1/commitments/{ref}", params={"as_of": "2001-01-01"}).status_code == 404
    )


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_is_rfc_4180_with_a_header_and_round_trips_korean(client: TestClient) -> None:
    title = '공동 조기경보체계 개선, "1단계"'
    created = client.post(
        "/api/v1/commitments", json={"title": title, "parties": ["ROK", "US"]}
    ).json()
    response = client.get("/api/v1/commitments", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    raw = response.content
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    table = rows(raw.decode("utf-8"))
    header, body = table[0], table[1:]
    assert header[:4] == ["ref", "title", "kind", "status"]
    assert len(body) == client.get("/api/v1/commitments?total=true").json()["total"]
    assert (
        dict(zip(header, next(r for r in body if r[0] == created["ref"]), strict=True))["title"]
        == title
    )
    with_bom = client.get("/api/v1/commitments", params={"format": "csv", "bom": "true"}).content
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert with_bom.decode("utf-8-sig") == raw.decode("utf-8")


def test_the_csv_export_follows_the_filters(client: TestClient) -> None:
    exported = rows(
        client.get("/api/v1/commitments", params={"format": "csv", "party": "JP"}).text
    )[1:]
    listed = client.get("/api/v1/commitments", params={"party": "JP"}).json()["items"]
    assert [r[0] for r in exported] == [i["ref"] for i in listed]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/reports/summary", {}),
        ("/api/v1/reports/overdue", {}),
        ("/api/v1/reports/deadlines", {}),
        ("/api/v1/reports/cycle", {"meeting": "SCM-57"}),
    ],
)
def test_every_report_in_json_csv_and_markdown(client: TestClient, path: str, query: dict) -> None:
    client.params = query
    as_json = client.get(path)
    assert as_json.headers["content-type"] == "application/json"
    as_csv = client.get(path, headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200
    table = rows(as_csv.text)
    assert len({len(row) for row in table}) == 1, "every row has the header's columns"
    markdown = client.get(path, headers={"Accept": "text/markdown;q=0.9, text/csv;q=0.1"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("## ")
    assert "| --- |" in markdown.text
    explicit = client.get(path, params=query | {"format": "json"}, headers={"Accept": "text/csv"})
    assert explicit.headers["content-type"] == "application/json"
    refused = client.get(path, headers={"Accept": "application/pdf"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


def test_reports_leave_out_what_is_not_releasable(client: TestClient, as_user) -> None:
    as_user("us-editor").post("/api/v1/commitments", json={"title": "U.S. only", "parties": ["US"]})
    admin = client.get("/api/v1/reports/summary", params={"group_by": "party"}).json()
    rok = as_user("rok-viewer").get("/api/v1/reports/summary", params={"group_by": "party"}).json()
    assert rok["totals"]["total"] == admin["totals"]["total"] - 1 - sum(
        "ROK" not in released_to(slug, c) for slug, c in seeded_commitments()
    )
    assert date.fromisoformat(rok["as_of"])


def test_markdown_tables_show_hostile_titles_as_text_in_one_cell(
    as_user, database: Database
) -> None:
    editor = as_user("us-editor")
    titles = [
        "<script>alert(1)</script>",
        "Left | right",
        "R&D <b>bold</b>",
        "[Open](javascript:alert(1)) ![x](https://evil.example/x.png)",
        "Legacy",
    ]
    refs = []
    for title in titles:
        made = editor.post(
            "/api/v1/commitments",
            json={"title": title, "parties": ["US"], "due_date": "2020-01-01"},
        )
        assert made.status_code == 201, made.text
        refs.append(made.json()["ref"])
    # Stored before titles had to be single lines: written behind the API.
    legacy = "Legacy\r\n\r\n<img src=x onerror=alert(1)>\n| forged | row |"
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE commitment SET title = :title WHERE ref = :ref"),
            {"title": legacy, "ref": refs[-1]},
        )
    for path in ("/api/v1/commitments", "/api/v1/reports/overdue", "/api/v1/reports/deadlines"):
        markdown = editor.get(path, params={"format": "markdown"}).text
        for raw in ("<script>", "<img", "<b>"):
            assert raw not in markdown, (path, raw)
        lines = markdown.splitlines()
        assert lines[0].startswith("## ")
        table = [line for line in lines[1:] if line]
        assert all(line.startswith("| ") and line.endswith(" |") for line in table), path
        width = len(markdown_cells(table[0]))
        shown = {ref: row for row in table for ref in refs if ref in row}
        assert set(shown) == set(refs), path
        assert all(len(markdown_cells(row)) == width for row in shown.values()), path
        cells = {ref: markdown_cells(row) for ref, row in shown.items()}
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cells[refs[0]]
        assert "Left \\| right" in cells[refs[1]]
        assert "R&amp;D &lt;b&gt;bold&lt;/b&gt;" in cells[refs[2]]
        linked = "\\[Open\\](javascript:alert(1)) !\\[x\\](https://evil.example/x.png)"
        assert linked in cells[refs[3]]
        forged = "Legacy    &lt;img src=x onerror=alert(1)&gt; \\| forged \\| row \\|"
        assert forged in cells[refs[4]]


def markdown_cells(row: str) -> list[str]:
    """A Markdown table row's cells, split where a pipe is not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_a_lead_filters_the_past_day_summary_as_it_filters_today(client: TestClient) -> None:
    contact = client.post("/api/v1/contacts", json={"name": "Desk lead", "party": "US"}).json()
    etag = client.get("/api/v1/commitments/SCM56-RCF-13").headers["etag"]
    led = client.patch(
        "/api/v1/commitments/SCM56-RCF-13",
        json={"leads": [{"party": "US", "contact_id": contact["id"]}]},
        headers={"If-Match": etag},
    )
    assert led.status_code == 200, led.text
    params = {"group_by": "status", "lead": contact["id"]}
    now = client.get("/api/v1/reports/summary", params=params).json()
    then = client.get("/api/v1/reports/summary", params={**params, "as_of": now["as_of"]}).json()
    assert now["totals"]["total"] == 1
    assert then["totals"] == now["totals"]
