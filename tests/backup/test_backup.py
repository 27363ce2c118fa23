"""Export and import: a round trip across backends gives identical API answers."""

import json
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.database_schema import upgrade
from app.main import create_app
from tests.cli.test_cli import run
from tests.conftest import POSTGRES_URL, bearer

PAGES = [
    "/api/v1/commitments?limit=200",
    "/api/v1/commitments?limit=200&sort=-updated_at",
    "/api/v1/documents",
    "/api/v1/areas",
    "/api/v1/areas/regional-security-cooperation",
    "/api/v1/parties",
    "/api/v1/meetings",
    "/api/v1/contacts",
    "/api/v1/users",
    "/api/v1/reports/summary?group_by=party",
    "/api/v1/reports/deadlines",
    "/api/v1/reports/cycle?meeting=SCM-57",
    "/api/v1/reports/summary?group_by=status&as_of=2026-01-01",
]


def answers(url: str) -> dict[str, object]:
    with TestClient(create_app(Settings(database_url=url)), headers=bearer("admin")) as client:
        found: dict[str, object] = {path: client.get(path).json() for path in PAGES}
        for item in client.get("/api/v1/commitments", params={"limit": 200}).json()["items"]:
            ref = item["ref"]
            for suffix in ("", "/history", "/updates"):
                found[f"{ref}{suffix}"] = client.get(f"/api/v1/commitments/{ref}{suffix}").json()
        return found


def make_activity(url: str) -> None:
    with TestClient(create_app(Settings(database_url=url)), headers=bearer("admin")) as client:
        contact = client.post("/api/v1/contacts", json={"name": "박지훈", "party": "ROK"}).json()
        etag = client.get("/api/v1/commitments/SCM56-RCF-13").headers["etag"]
        client.patch(
            "/api/v1/commitments/SCM56-RCF-13",
            headers={"If-Match": etag},
            json={"leads": [{"party": "ROK", "contact_id": contact["id"]}], "status": "at_risk"},
        )
        etag = client.get("/api/v1/commitments/SCM56-RCF-14").headers["etag"]
        client.post(
            "/api/v1/commitments/SCM56-RCF-14/updates",
            headers={"If-Match": etag},
            json={
                "text": "Presented",
                "cycle": "SCM-57",
                "status": "completed",
                "as_of": "2025-10-01",
            },
        )
        client.post(
            "/api/v1/commitments",
            json={
                "title": "한국어 제목",
                "parties": ["ROK", "US"],
                "recurrence": {"every": "quarter", "start": "2026-01-01"},
            },
        )
        client.post("/api/v1/me/calendar-token")


def other_backend(databases, tmp_path: Path, name: str) -> str:
    """An empty, migrated database on the other backend (SQLite when testing PostgreSQL)."""
    url = f"sqlite:///{tmp_path / name}.db" if POSTGRES_URL else databases.blank()
    upgrade(url)
    return url


def same_backend(databases) -> str:
    url = databases.blank()
    upgrade(url)
    return url


def test_export_import_round_trip_gives_identical_answers(
    database_url: str, databases, tmp_path: Path
) -> None:
    make_activity(database_url)
    original = answers(database_url)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    exported = run("export", str(first), database_url=database_url)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(first.read_text())
    assert (document["format"], document["version"]) == ("alliance-commitments-export", 1)
    assert len(document["tables"]["commitment_history"]) > 0

    there = other_backend(databases, tmp_path, "there")
    imported = run("import", str(first), database_url=there)
    assert imported.returncode == 0, imported.stderr
    assert answers(there) == original

    assert run("export", str(second), database_url=there).returncode == 0
    back = same_backend(databases)
    assert run("import", str(second), database_url=back).returncode == 0
    assert answers(back) == original

    with TestClient(create_app(Settings(database_url=back)), headers=bearer("us-editor")) as client:
        created = client.post(
            "/api/v1/commitments", json={"title": "After restore", "parties": ["US"]}
        )
        assert created.status_code == 201, "ids continue after the imported ones"


def test_import_refuses_a_database_that_is_not_empty(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    assert run("export", str(target), database_url=database_url).returncode == 0
    again = run("import", str(target), database_url=database_url)
    assert again.returncode == 2
    assert "not empty" in again.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    refused = run("import", str(bad), database_url=database_url)
    assert (refused.returncode, "Traceback" in refused.stderr) == (2, False)
    assert run("import", str(tmp_path / "missing.json"), database_url=database_url).returncode == 2


def test_a_failed_export_keeps_the_previous_backup(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    written = run("export", str(backup), database_url=database_url)
    assert written.returncode == 0, written.stderr
    good = backup.read_bytes()
    assert json.loads(good)["format"] == "alliance-commitments-export"
    assert backup.stat().st_mode & 0o777 == 0o600, "it holds token digests"
    down = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"
    failed = run("export", str(backup), database_url=down)
    assert failed.returncode == 2
    assert len(failed.stderr.strip().splitlines()) == 1
    assert backup.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json"], "no partial file left"
