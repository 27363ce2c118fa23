"""The synthetic register: built by `python -m bench.generate`, served by the real API."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core.config import Settings
from app.core.db import Database
from app.core.security import Role
from app.main import create_app
from app.users.models import UserCreate
from app.users.service import create_user
from tests.conftest import PostgresDatabases, SqliteDatabases

GENERATED = 300


def generate(url: str, commitments: int) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--commitments",
            str(commitments),
            "--contacts",
            "60",
            "--database-url",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
def register(databases: SqliteDatabases | PostgresDatabases) -> Iterator[tuple[str, TestClient]]:
    url = databases.blank()
    assert f"{GENERATED:,} commitment," in generate(url, GENERATED)
    database = Database(Settings(database_url=url))
    with database.session() as session:
        token = create_user(session=session, request=UserCreate(name="a", role=Role.admin)).token
        session.commit()
    database.dispose()
    with TestClient(
        create_app(Settings(database_url=url)), headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield url, client


def scalar(url: str, sql: str) -> float:
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.scalar(text(sql))
    engine.dispose()
    return float(value)


def test_the_register_is_spread_as_asked_and_served_by_the_api(
    register: tuple[str, TestClient],
) -> None:
    url, client = register
    assert scalar(url, "SELECT count(*) FROM commitment WHERE ref LIKE 'GEN-%'") == GENERATED
    live = scalar(
        url, "SELECT count(*) FROM commitment WHERE ref LIKE 'GEN-%' AND archived_at IS NULL"
    )
    listed = client.get("/api/v1/commitments", params={"q": "gen-", "total": True}).json()
    assert listed["total"] == live >= 0.95 * GENERATED  # a few are archived
    overdue = client.get(
        "/api/v1/commitments", params={"q": "gen-", "overdue": True, "total": True}
    ).json()["total"]
    assert 0.15 * GENERATED <= overdue <= 0.25 * GENERATED  # a fifth, open and past due
    generated = "(SELECT id FROM commitment WHERE ref LIKE 'GEN-%')"
    notes = scalar(url, f"SELECT count(*) FROM progress_note WHERE commitment_id IN {generated}")
    entries = scalar(
        url, f"SELECT count(*) FROM commitment_history WHERE commitment_id IN {generated}"
    )
    assert 4 <= notes / GENERATED <= 6
    assert 8 <= entries / GENERATED <= 12
    assert scalar(url, "SELECT count(*) FROM contact") == 60
    statuses = client.get("/api/v1/reports/summary", params={"group_by": "status", "q": "gen-"})
    assert len(statuses.json()["groups"]) == 7


def test_each_version_is_the_last_one_its_history_records(
    register: tuple[str, TestClient],
) -> None:
    url, client = register
    mismatched = scalar(
        url,
        "SELECT count(*) FROM commitment c WHERE c.ref LIKE 'GEN-%' AND c.version <> "
        "(SELECT max(h.version) FROM commitment_history h WHERE h.commitment_id = c.id)",
    )
    assert mismatched == 0
    one = client.get("/api/v1/commitments/GEN-0000100")
    assert one.status_code == 200
    history = client.get("/api/v1/commitments/GEN-0000100/history").json()["items"]
    assert max(entry["version"] for entry in history) == one.json()["version"]
    assert history[0]["field"] == "created"


def test_an_edit_of_a_generated_commitment_goes_through(register: tuple[str, TestClient]) -> None:
    _, client = register
    ref = client.get("/api/v1/commitments", params={"q": "gen-", "limit": 1}).json()["items"][0]
    path = f"/api/v1/commitments/{ref['ref']}"
    etag = client.get(path).headers["ETag"]
    changed = client.patch(path, json={"title": "Renamed"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["version"] == ref["version"] + 1


def test_a_second_run_adds_to_the_register(register: tuple[str, TestClient]) -> None:
    url, client = register
    generate(url, 10)
    assert scalar(url, "SELECT count(*) FROM commitment WHERE ref LIKE 'GEN-%'") == GENERATED + 10
    assert client.get("/api/v1/commitments/GEN-0000365").status_code == 200  # after the 355
