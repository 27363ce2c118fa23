import http.server
import json
import re
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import httpx
import jsonschema
import pytest
from junitparser import Failure, JUnitXml
from sqlalchemy import text

from app.core.config import PROJECT_ROOT
from app.core.db import Database
from app.core.time import today
from tests.cli.test_cli import run
from tests.conftest import TOKENS
from tests.factories import make_commitment
from tests.live_server import live_server

SCHEMA = json.loads((PROJECT_ROOT / "docs/schemas/overdue-report.schema.json").read_text())


@pytest.fixture
def server(database_url: str):
    with live_server(database_url) as (url, _):
        yield url


VIEWER = "us-viewer"


def check(url: str, *args: str, token: str | None = VIEWER, **env: str):
    """Run the command; `token` names a test user, or is a literal token if it starts ac_."""
    options = ["overdue", "--api-url", url, *args]
    if token is not None:
        options += ["--token", token if token.startswith("ac_") else TOKENS[token]]
    return run(*options, database_url="sqlite:///unused-by-this-command.db", **env)


def test_exit_codes_follow_the_failing_level(server: str) -> None:
    assert check(server).returncode == 1, "seeded commitments are overdue today"
    assert check(server, "--fail-on", "never").returncode == 0
    early = check(server, "--as-of", "2018-01-01")
    assert early.returncode == 0, early.stdout + early.stderr
    assert "Overdue: 0" in early.stdout
    # On 2025-10-10 the points of contact are due in 25 days: due soon, not overdue.
    assert check(server, "--as-of", "2025-10-10").returncode == 0
    assert check(server, "--as-of", "2025-10-10", "--fail-on", "due-soon").returncode == 1
    assert (
        check(
            server, "--as-of", "2025-10-10", "--due-soon", "10", "--fail-on", "due-soon"
        ).returncode
        == 0
    )
    late = (today() + timedelta(days=400)).isoformat()
    assert check(server, "--as-of", "2018-01-01", "--fail-on", "stale").returncode == 0
    assert check(server, "--as-of", late, "--fail-on", "stale", "--stale", "30").returncode == 1


def test_usage_connection_and_authentication_errors_exit_2_with_one_line(server: str) -> None:
    for result in (
        check(server, token=None, COMMITMENTS_TOKEN=""),
        check(server, token="ac_" + "x" * 43),
        check("http://127.0.0.1:9", "--timeout", "2"),
        check(server, "--as-of", "yesterday"),
        check("not a url"),
    ):
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("error: ")
    assert check(server, "--format", "pdf").returncode == 2
    from_env = check(server, token=None, COMMITMENTS_TOKEN=TOKENS["us-viewer"])
    assert from_env.returncode == 1
    url_from_env = run(
        "overdue",
        database_url="sqlite:///unused-by-this-command.db",
        COMMITMENTS_API_URL=server,
        COMMITMENTS_TOKEN=TOKENS["us-viewer"],
    )
    assert url_from_env.returncode == 1, url_from_env.stderr


def test_json_matches_the_documented_schema(server: str, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = check(server, "--format", "json", "--output", str(target))
    assert result.returncode == 1
    assert result.stdout == ""
    report = json.loads(target.read_text())
    jsonschema.validate(report, SCHEMA, format_checker=jsonschema.FormatChecker())
    overdue = {(i["ref"], i["cycle"]) for i in report["overdue"]}
    assert {("SCM56-RCF-13", None), ("SCM56-RCF-14", "SCM-57")} <= overdue
    item = next(i for i in report["overdue"] if i["ref"] == "SCM56-RCF-13")
    assert item["days_overdue"] == (today() - date.fromisoformat(item["due_date"])).days
    assert (
        httpx.get(item["link"], headers={"Authorization": f"Bearer {TOKENS['us-viewer']}"}).json()[
            "ref"
        ]
        == "SCM56-RCF-13"
    )


def test_junit_has_a_case_per_open_dated_item_and_a_failure_per_overdue_one(
    server: str, tmp_path: Path
) -> None:
    target = tmp_path / "junit.xml"
    assert check(server, "--format", "junit", "--output", str(target)).returncode == 1
    xml = JUnitXml.fromfile(str(target))
    cases = [case for suite in xml for case in suite]
    api = httpx.get(
        f"{server}/api/v1/reports/deadlines",
        headers={"Authorization": f"Bearer {TOKENS['us-viewer']}"},
    ).json()
    assert len(cases) == len(api["open"])
    failed = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert len(failed) == len(api["overdue"]) > 0
    assert any(case.name.startswith("SCM56-RCF-14 / SCM-57") for case in failed)


def test_github_annotations_and_markdown_summary(server: str) -> None:
    github = check(server, "--format", "github", "--as-of", "2025-10-10", "--fail-on", "never")
    lines = github.stdout.splitlines()
    assert lines
    assert all(re.match(r"^::(error|warning|notice) title=[^:]+::.+", line) for line in lines)
    assert any(line.startswith("::warning title=Due soon%3A SCM56-RCF-13::") for line in lines)
    markdown = check(server, "--format", "markdown").stdout
    assert markdown.startswith("## Commitment deadlines as of ")
    assert "| Commitment | Title | Due | Days overdue | Leads |" in markdown
    assert "[SCM56-RCF-14 / SCM-57](" in markdown


def us_editor(server: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKENS['us-editor']}"})


def test_a_viewer_sees_only_what_is_releasable(server: str) -> None:
    with us_editor(server) as editor:
        created = make_commitment(editor, title="U.S.-only overdue item", due_date="2020-01-01")[
            "ref"
        ]
    assert created in check(server, token="us-viewer").stdout
    assert created not in check(server, token="rok-viewer").stdout


class FlakyApi(http.server.BaseHTTPRequestHandler):
    """Answers 503 (busy) to the first request, then the report it was given."""

    report: bytes = b""
    served: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        status = 503 if not self.served else 200
        self.served.append(status)
        body = self.report if status == 200 else b'{"type": "about:blank", "status": 503}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_single_503_does_not_fail_the_check(client) -> None:
    FlakyApi.report = client.get("/api/v1/reports/deadlines").content
    FlakyApi.served = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = check(url, "--fail-on", "never", "--format", "json")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert FlakyApi.served == [503, 200]
    assert json.loads(result.stdout)["as_of"] == json.loads(FlakyApi.report)["as_of"]


FORGED = "Name the officers\n::error file=.github/workflows/ci.yml::forged"
HOSTILE = ["::error::forged", "<script>alert(1)</script> | Extra cell", FORGED]


@pytest.fixture
def hostile_titles(server: str, database: Database) -> list[str]:
    """Overdue U.S. commitments with hostile titles: the one with a line break was stored
    before titles had to be single lines (written behind the API)."""
    with us_editor(server) as editor:
        refs = [
            make_commitment(editor, title=title.split("\n")[0], due_date="2020-01-01")["ref"]
            for title in HOSTILE
        ]
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE commitment SET title = :title WHERE ref = :ref"),
            {"title": FORGED, "ref": refs[-1]},
        )
    return refs


def test_no_title_starts_a_line_or_a_workflow_command_in_text_and_github_output(
    server: str, hostile_titles: list[str]
) -> None:
    forged_ref = hostile_titles[-1]
    text_report = check(server, "--fail-on", "never").stdout
    assert not [line for line in text_report.splitlines() if line.lstrip().startswith("::")]
    (forged,) = [line for line in text_report.splitlines() if forged_ref in line]
    assert "Name the officers ::error file=.github/workflows/ci.yml::forged" in forged

    github = check(server, "--format", "github", "--fail-on", "never").stdout.splitlines()
    commands = re.compile(r"^::(error|warning|notice) title=[^:\r\n]+::[^\r\n]+$")
    assert all(commands.match(line) for line in github), github
    for ref in hostile_titles:
        (line,) = [line for line in github if f"title=Overdue%3A {ref}::" in line]
        assert line.startswith(f"::error title=Overdue%3A {ref}::")
    (injected,) = [line for line in github if f"{hostile_titles[0]}::" in line]
    assert f"{hostile_titles[0]}::::error::forged (" in injected


def markdown_cells(row: str) -> list[str]:
    """A Markdown table row's cells, split where a pipe is not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_markdown_summary_shows_titles_as_text_in_their_own_cells(
    server: str, hostile_titles: list[str]
) -> None:
    markdown = check(server, "--format", "markdown", "--fail-on", "never").stdout
    assert "<script>" not in markdown
    rows = {ref: row for ref in hostile_titles for row in markdown.splitlines() if ref in row}
    script, forged = rows[hostile_titles[1]], rows[hostile_titles[2]]
    assert markdown_cells(script)[1] == "&lt;script&gt;alert(1)&lt;/script&gt; \\| Extra cell"
    assert len(markdown_cells(script)) == 5
    assert markdown_cells(forged)[1] == (
        "Name the officers ::error file=.github/workflows/ci.yml::forged"
    )
