"""Exports taken while the register is being written to are snapshots: each holds the register
as it stood at one moment, and imports cleanly."""

import json
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.backup.test_backup import same_backend
from tests.cli.test_cli import run
from tests.conftest import bearer
from tests.live_server import live_server

WRITERS = 4
EXPORTS = 3


def write(url: str, name: str, done: list[int], failed: list[str], stop: threading.Event) -> None:
    """Create commitments, then note and retitle each: every change a new version with its
    history, and each note a history entry of its own."""
    try:
        write_until(url, name, done, stop)
    except (AssertionError, httpx.HTTPError) as exc:
        failed.append(f"{name}: {exc}")


def write_until(url: str, name: str, done: list[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=url, headers=bearer(name), timeout=30) as client:
        step = 0
        while not stop.is_set():
            step += 1
            created = client.post(
                "/api/v1/commitments", json={"title": f"{name} {step}", "parties": ["US"]}
            )
            assert created.status_code == 201, created.text
            ref = created.json()["ref"]
            for turn in range(2):
                noted = client.post(f"/api/v1/commitments/{ref}/updates", json={"text": f"{turn}"})
                assert noted.status_code == 201, noted.text
                patched = client.patch(
                    f"/api/v1/commitments/{ref}",
                    json={"title": f"{name} {step}.{turn}"},
                    headers={"If-Match": noted.headers["etag"]},
                )
                assert patched.status_code == 200, patched.text
            done.append(step)


def torn(document: dict[str, Any]) -> list[str]:
    """What in the document no single state of the register could hold."""
    tables = document["tables"]
    commitments = {row["id"]: row for row in tables["commitment"]}
    versions: dict[int, set[int]] = defaultdict(set)
    noted: set[tuple[int, str]] = set()
    problems = []
    for entry in tables["commitment_history"]:
        if entry["commitment_id"] not in commitments:
            problems.append(f"history {entry['id']} of a commitment not in the file")
            continue
        versions[entry["commitment_id"]].add(entry["version"])
        if entry["field"] == "note":
            noted.add((entry["commitment_id"], entry["new_value"]))
    for commitment_id, commitment in commitments.items():
        if versions[commitment_id] and versions[commitment_id] != set(
            range(1, commitment["version"] + 1)
        ):
            problems.append(
                f"{commitment['ref']} at version {commitment['version']} has history versions "
                f"{sorted(versions[commitment_id])}"
            )
    problems += [
        f"note {note['public_id']} without its history entry"
        for note in tables["progress_note"]
        if (note["commitment_id"], note["public_id"]) not in noted
    ]
    return problems


def test_exports_under_writes_are_snapshots_that_import_cleanly(
    database_url: str, databases, tmp_path: Path
) -> None:
    done: list[int] = []
    failed: list[str] = []
    stop = threading.Event()
    files = [tmp_path / f"export-{number}.json" for number in range(EXPORTS)]
    # Quiet: nothing reads the server's output while it runs.
    with live_server(database_url, COMMITMENTS_LOG_LEVEL="WARNING") as (url, _process):
        writers = [
            threading.Thread(target=write, args=(url, name, done, failed, stop))
            for name in ("us-editor", "admin")
            for _ in range(WRITERS // 2)
        ]
        for thread in writers:
            thread.start()
        try:
            for file in files:
                before = len(done)
                deadline = time.monotonic() + 60
                while len(done) < before + WRITERS and not failed and time.monotonic() < deadline:
                    time.sleep(0.05)
                exported = run("export", str(file), database_url=database_url)
                assert exported.returncode == 0, exported.stderr
        finally:
            stop.set()
            for thread in writers:
                thread.join(timeout=60)
    assert failed == []
    assert len(done) >= WRITERS * EXPORTS, "the writers wrote throughout"

    created = set()
    for file in files:
        document = json.loads(file.read_text())
        assert torn(document) == []
        refs = {row["ref"] for row in document["tables"]["commitment"]}
        assert created <= refs, "a later export holds what an earlier one did"
        created = refs
        imported = run("import", str(file), database_url=same_backend(databases))
        assert imported.returncode == 0, imported.stderr
