"""Kill the server (SIGKILL) in the middle of a stream of writes, restart it, and check that
every acknowledged write is there and nothing is half-applied."""

import signal
import threading
import time

import httpx
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database
from tests.conftest import bearer
from tests.factories import make_commitment
from tests.live_server import live_server


def writer(url: str, ref: str, acknowledged: list[tuple[str, int]], stop: threading.Event) -> None:
    """Alternate PATCHes and progress notes on `ref`; record each one the server acknowledged."""
    headers = bearer("us-editor")
    with httpx.Client(base_url=url, headers=headers, timeout=5) as client:
        step = 0
        while not stop.is_set():
            step += 1
            try:
                if step % 2:
                    etag = client.get(f"/api/v1/commitments/{ref}").headers["etag"]
                    response = client.patch(
                        f"/api/v1/commitments/{ref}",
                        json={"description": f"step {step}"},
                        headers={"If-Match": etag},
                    )
                    if response.status_code == 200:
                        acknowledged.append(("patch", response.json()["version"]))
                else:
                    response = client.post(
                        f"/api/v1/commitments/{ref}/updates",
                        json={"text": f"note {step}", "percent_complete": step % 100},
                    )
                    if response.status_code == 201:
                        acknowledged.append(("note", response.json()["id"]))
            except httpx.TransportError:
                return


def test_acknowledged_writes_survive_a_kill(database_url: str) -> None:
    acknowledged: list[tuple[str, int]] = []
    stop = threading.Event()
    with live_server(database_url) as (url, process):
        with httpx.Client(base_url=url, headers=bearer("us-editor"), timeout=5) as editor:
            ref = make_commitment(editor)["ref"]
        thread = threading.Thread(target=writer, args=(url, ref, acknowledged, stop))
        thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        thread.join(timeout=10)
    assert len(acknowledged) >= 40

    with (
        live_server(database_url) as (url, _),
        httpx.Client(base_url=url, headers=bearer("admin"), timeout=5) as client,
    ):
        commitment = client.get(f"/api/v1/commitments/{ref}").json()
        notes = {n["id"] for n in client.get(f"/api/v1/commitments/{ref}/updates").json()["items"]}
        history = client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
    versions = sorted({entry["version"] for entry in history})
    assert versions == list(range(1, commitment["version"] + 1)), "one history version per change"
    assert {ref for kind, ref in acknowledged if kind == "note"} <= notes
    assert max(v for kind, v in acknowledged if kind == "patch") <= commitment["version"]

    database = Database(Settings(database_url=database_url))
    with database.reader.connect() as connection:
        note_versions = connection.execute(
            text(
                "SELECT count(*) FROM progress_note WHERE commitment_id = "
                "(SELECT id FROM commitment WHERE ref = :ref)"
            ),
            {"ref": ref},
        ).scalar()
        noted_changes = connection.execute(
            text(
                "SELECT count(DISTINCT version) FROM commitment_history "
                "WHERE field = 'percent_complete' "
                "AND commitment_id = (SELECT id FROM commitment WHERE ref = :ref)"
            ),
            {"ref": ref},
        ).scalar()
    database.dispose()
    assert note_versions == len(notes)
    # Each note changed the percentage: one history version per note, none without its note.
    assert noted_changes == note_versions
