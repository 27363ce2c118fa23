"""``commitments ingest``: a statement file into the register, with its candidates."""

import json
from pathlib import Path

from tests.cli.test_cli import run
from tests.ingest.statements import JOINT_STATEMENT, PAGE

ARGS = ("--title", "Joint statement", "--issued-on", "2026-11-01", "--parties", "US,ROK")


def test_ingest_proposes_candidates_and_a_second_run_finds_the_document(
    database_url: str, tmp_path: Path
) -> None:
    statement = tmp_path / "statement.txt"
    statement.write_text(JOINT_STATEMENT, encoding="utf-8")
    first = run("ingest", str(statement), *ARGS, "--format", "json", database_url=database_url)
    assert first.returncode == 0, first.stderr
    taken = json.loads(first.stdout)
    assert taken["created"] is True
    assert taken["document"]["created_by"] == "cli"
    assert any(c["quote"].startswith("The ROK requested") for c in taken["candidates"])
    assert "KB in" in first.stderr
    again = run("ingest", str(statement), *ARGS, database_url=database_url)
    assert again.returncode == 0
    assert again.stdout.startswith(f"{taken['document']['slug']}: already in the register")
    assert "The ROK requested" in again.stdout


def test_ingest_reads_a_saved_page_by_its_suffix(database_url: str, tmp_path: Path) -> None:
    page = tmp_path / "statement.html"
    page.write_text(PAGE, encoding="utf-8")
    result = run("ingest", str(page), *ARGS, "--format", "json", database_url=database_url)
    assert result.returncode == 0, result.stderr
    taken = json.loads(result.stdout)
    assert taken["document"]["text_format"] == "text/html"
    assert not any("newsletter" in c["quote"] for c in taken["candidates"])


def test_ingest_errors_are_one_line(database_url: str, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Both sides will meet in Montréal.".encode("latin-1"))
    unreadable = run("ingest", str(latin), *ARGS, database_url=database_url)
    assert unreadable.returncode == 2
    assert "UTF-8" in unreadable.stderr
    statement = tmp_path / "statement.txt"
    statement.write_text("Both sides will meet.", encoding="utf-8")
    unknown = run(
        "ingest", str(statement), *ARGS[:4], "--parties", "US,XX", database_url=database_url
    )
    assert unknown.returncode == 2
    assert "XX" in unknown.stderr
    bad_date = run(
        "ingest", str(statement), "--title", "T", "--issued-on", "soon", "--parties", "US",
        database_url=database_url,
    )  # fmt: skip
    assert bad_date.returncode == 2
    assert "issued_on" in bad_date.stderr
