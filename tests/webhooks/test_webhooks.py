"""Webhooks against a real HTTP receiver on loopback: signed, retried, in order, and never
carrying what the endpoint's party may not see."""

import importlib.util
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.config import PROJECT_ROOT
from app.core.db import Database
from tests.cli.test_cli import run
from tests.factories import make_commitment, make_document
from tests.webhooks.conftest import KEY, LOOPBACK

spec = importlib.util.spec_from_file_location(
    "webhook_receiver", PROJECT_ROOT / "examples" / "webhook_receiver.py"
)
receiver_example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(receiver_example)


class Receiver:
    """Records what it is sent; answers with the statuses it is given, then 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    listening = Receiver()
    yield listening
    listening.server.shutdown()


def deliver(database_url: str, at: str, allowed: str = f'["{LOOPBACK}"]') -> str:
    done = run(
        "jobs",
        "run",
        "webhooks",
        "--at",
        at,
        database_url=database_url,
        COMMITMENTS_WEBHOOK_KEY=KEY,
        COMMITMENTS_WEBHOOK_ALLOWED_NETWORKS=allowed,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def register(admin: TestClient, url: str, party: str, **fields: Any) -> dict[str, Any]:
    response = admin.post("/api/v1/webhooks", json={"url": url, "party": party, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_every_change_arrives_signed_in_order_once_per_delivery(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    issued = register(api("admin"), receiver.url, "US")
    editor = api("us-editor")
    made = make_commitment(editor, title="Open an office")
    ref = made["ref"]
    noted = editor.post(
        f"/api/v1/commitments/{ref}/updates",
        json={"text": "Lease signed", "status": "in_progress"},
        headers={"If-Match": f'"{made["version"]}"'},
    )
    assert noted.status_code == 201, noted.text
    print(deliver(database_url, "2027-01-01T00:00:00Z"))
    mine = [e for e in receiver.events() if e["commitment"]["ref"] == ref]
    assert [(e["type"], e["commitment"]["version"]) for e in mine] == [
        ("commitment.created", 1),
        ("commitment.status_changed", 2),
    ]
    assert mine[1]["changes"]["status"] == "in_progress"
    assert mine[1]["actor"] == "us-editor"
    for headers, body in receiver.received:
        assert receiver_example.verify(issued["secret"], headers, body)
        assert not receiver_example.verify(issued["secret"] + "x", headers, body)
    ids = [headers["Webhook-Id"] for headers, _ in receiver.received]
    assert len(set(ids)) == len(ids)
    # Ids are random, not sequences that count other parties' events.
    assert all(re.fullmatch("dlv_[0-9a-f]{32}", value) for value in ids), ids
    assert all(re.fullmatch("evt_[0-9a-f]{32}", e["id"]) for e in receiver.events())
    assert re.fullmatch("whk_[0-9a-f]{32}", issued["webhook"]["id"])
    log = api("admin").get(f"/api/v1/webhooks/{issued['webhook']['id']}/deliveries").json()
    assert {d["id"] for d in log["items"]} == set(ids)
    count = len(receiver.received)
    assert "0 queued, 0 delivered" in deliver(database_url, "2027-01-01T00:05:00Z")
    assert len(receiver.received) == count


def test_a_failed_delivery_is_retried_with_backoff_and_holds_back_later_ones(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    admin = api("admin")
    hook = register(admin, receiver.url, "US", events=["commitment.created", "commitment.changed"])
    editor = api("us-editor")
    made = make_commitment(editor, title="Open an office")
    ref = made["ref"]
    renamed = editor.patch(
        f"/api/v1/commitments/{ref}",
        json={"title": "Open a larger office"},
        headers={"If-Match": f'"{made["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    receiver.answers = [500]
    deliver(database_url, "2027-01-01T00:00:00Z")
    assert [e["type"] for e in receiver.events()] == ["commitment.created"]  # the rename waits
    log = admin.get(f"/api/v1/webhooks/{hook['webhook']['id']}/deliveries").json()["items"]
    failed = next(d for d in log if d["event_type"] == "commitment.created")
    assert (failed["state"], failed["attempts"], failed["last_status"]) == ("pending", 1, 500)
    deliver(database_url, "2027-01-01T00:00:30Z")  # before its next attempt: nothing sent
    assert len(receiver.received) == 1
    deliver(database_url, "2027-01-01T00:02:00Z")
    assert [e["type"] for e in receiver.events()] == [
        "commitment.created",
        "commitment.created",
        "commitment.changed",
    ]
    first, retry = receiver.received[0][0], receiver.received[1][0]
    assert first["Webhook-Id"] == retry["Webhook-Id"]  # the receiver can tell a retry
    log = admin.get(f"/api/v1/webhooks/{hook['webhook']['id']}/deliveries").json()["items"]
    assert {d["state"] for d in log} == {"delivered"}
    redone = admin.post(
        f"/api/v1/webhooks/{hook['webhook']['id']}/deliveries/{log[-1]['id']}/redeliver"
    )
    assert redone.status_code == 202
    deliver(database_url, "2027-01-01T00:03:00Z")
    assert len(receiver.received) == 4


def test_an_endpoint_hears_nothing_its_party_may_not_see(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    register(api("admin"), receiver.url, "ROK")
    editor = api("us-editor")
    hidden = make_commitment(editor, title="U.S. only", releasable_to=["US"])
    shared = make_commitment(editor, title="Shared", releasable_to=["US", "ROK"])
    deliver(database_url, "2027-01-01T00:00:00Z")
    refs = {e["commitment"]["ref"] for e in receiver.events()}
    assert shared["ref"] in refs
    assert hidden["ref"] not in refs
    assert all(b"U.S. only" not in body for _, body in receiver.received)


def test_registering_needs_the_server_key_and_an_administrator(
    as_user: Callable[[str], TestClient], api: Callable[[str], TestClient]
) -> None:
    refused = as_user("admin").post(
        "/api/v1/webhooks", json={"url": "http://x.test/", "party": "US"}
    )
    assert refused.status_code == 409
    assert "COMMITMENTS_WEBHOOK_KEY" in refused.json()["detail"]
    editor = api("us-editor").post(
        "/api/v1/webhooks", json={"url": "http://x.test/", "party": "US"}
    )
    assert editor.status_code == 403
    bad = api("admin").post("/api/v1/webhooks", json={"url": "ftp://x.test/", "party": "US"})
    assert bad.status_code == 422
    listed = api("admin").get("/api/v1/webhooks").json()["items"]
    assert listed == []


def test_an_endpoint_that_keeps_failing_is_suspended_keeps_its_queue_and_resumes_in_order(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    admin = api("admin")
    hook = register(admin, receiver.url, "US", events=["commitment.created"])["webhook"]
    editor = api("us-editor")
    refs = [make_commitment(editor, title=f"Task {n}")["ref"] for n in range(22)]
    receiver.answers = [500] * 100
    ran = deliver(database_url, "2027-01-01T00:00:00Z")
    assert "22 queued, 0 delivered, 20 failed" in ran
    assert len(receiver.received) == 20  # suspended at the 20th failure: no 21st POST
    (listed,) = admin.get("/api/v1/webhooks").json()["items"]
    assert (listed["suspended"], listed["disabled"], listed["consecutive_failures"]) == (
        True,
        False,
        20,
    )

    # While suspended, nothing is sent, and what happens is still queued for it.
    refs.append(make_commitment(editor, title="Later")["ref"])
    assert "1 queued, 0 delivered, 0 failed" in deliver(database_url, "2027-01-02T00:00:00Z")
    assert len(receiver.received) == 20

    receiver.answers = []
    resumed = admin.post(f"/api/v1/webhooks/{hook['id']}/resume")
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["suspended"], resumed.json()["consecutive_failures"]) == (False, 0)
    assert "23 delivered, 0 failed" in deliver(database_url, "2027-01-02T00:01:00Z")
    delivered = [e["commitment"]["ref"] for e in receiver.events()[20:]]
    assert sorted(delivered) == sorted(refs)
    assert delivered.index(refs[-1]) == len(delivered) - 1  # the queue goes out oldest first

    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 200
    assert admin.post(f"/api/v1/webhooks/{hook['id']}/resume").status_code == 409
    assert admin.post(f"/api/v1/webhooks/whk_{'0' * 32}/resume").status_code == 404
    assert admin.post("/api/v1/webhooks/1/resume").status_code == 422
    assert editor.post(f"/api/v1/webhooks/{hook['id']}/resume").status_code == 403


def test_pruning_forgets_ended_deliveries_past_the_retention_and_keeps_waiting_ones(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    admin = api("admin")
    hook = register(admin, receiver.url, "US", events=["commitment.created"])["webhook"]
    editor = api("us-editor")
    make_commitment(editor, title="Delivered")
    deliver(database_url, "2027-01-01T00:00:00Z")
    receiver.answers = [500] * 10
    make_commitment(editor, title="Waiting")
    deliver(database_url, "2027-01-01T00:10:00Z")
    log = f"/api/v1/webhooks/{hook['id']}/deliveries"
    assert sorted(d["state"] for d in admin.get(log).json()["items"]) == ["delivered", "pending"]

    def prune(at: str) -> str:
        done = run("jobs", "run", "prune", "--at", at, database_url=database_url)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "0 webhook delivery(ies)" in prune("2027-02-01T00:00:00Z")  # within 90 days
    assert "1 webhook delivery(ies)" in prune("2027-04-15T00:00:00Z")
    assert [d["state"] for d in admin.get(log).json()["items"]] == ["pending"]
    receiver.answers = []
    deliver(database_url, "2027-04-15T00:05:00Z")  # what waited still goes out
    assert receiver.events()[-1]["commitment"]["ref"]
    assert [d["state"] for d in admin.get(log).json()["items"]] == ["delivered"]


def test_a_commitment_falling_overdue_is_an_event_once_for_each_due_date(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    register(api("admin"), receiver.url, "US", events=["commitment.overdue"])
    editor = api("us-editor")

    late = make_commitment(editor, title="Open the office", due_date="2027-03-04")
    # Overdue long before: no news.
    long_late = make_commitment(editor, title="Name the officers", due_date="2027-01-04")
    done = make_commitment(editor, title="Sign the lease", due_date="2027-03-03")
    closed = editor.post(
        f"/api/v1/commitments/{done['ref']}/updates",
        json={"text": "Signed", "status": "completed"},
        headers={"If-Match": editor.get(f"/api/v1/commitments/{done['ref']}").headers["ETag"]},
    )
    assert closed.status_code == 201, closed.text
    deliver(database_url, "2027-03-04T12:00:00Z")  # due today: not yet overdue
    assert receiver.events() == []

    assert "1 overdue event(s)" in deliver(database_url, "2027-03-05T08:00:00Z")
    (event,) = receiver.events()
    assert event["type"] == "commitment.overdue"
    assert event["commitment"]["ref"] == late["ref"]
    assert event["changes"] == {"due_date": "2027-03-04", "days_overdue": 1}
    assert event["actor"] == "system"
    assert long_late["ref"] not in {e["commitment"]["ref"] for e in receiver.events()}

    # A note changes its version, not its due date: no second event.
    current = editor.get(f"/api/v1/commitments/{late['ref']}")
    editor.post(
        f"/api/v1/commitments/{late['ref']}/updates",
        json={"text": "Still looking for premises"},
        headers={"If-Match": current.headers["ETag"]},
    )
    deliver(database_url, "2027-03-06T08:00:00Z")
    assert len(receiver.events()) == 1
    # A new due date that passes in turn is news again.
    current = editor.get(f"/api/v1/commitments/{late['ref']}")
    moved = editor.patch(
        f"/api/v1/commitments/{late['ref']}",
        json={"due_date": "2027-03-10"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    deliver(database_url, "2027-03-11T08:00:00Z")
    assert [e["changes"]["due_date"] for e in receiver.events()] == ["2027-03-04", "2027-03-10"]


def test_accepting_a_candidate_is_an_event_on_the_commitment_it_made_or_restated(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    register(api("admin"), receiver.url, "ROK", events=["candidate.accepted"])
    editor = api("us-editor")
    restated = make_commitment(
        editor,
        title="Shared line",
        parties=["US", "ROK"],
        releasable_to=["US", "ROK"],
        quote="Both sides will hold the line.",
    )["ref"]
    taken = make_document(editor)
    slug = taken["document"]["slug"]
    first, second = [c["number"] for c in taken["candidates"] if "US" in c["obligors"]][:2]
    accepted = editor.post(f"/api/v1/documents/{slug}/candidates/{first}/accept")
    assert accepted.status_code == 201, accepted.text
    merged = editor.post(
        f"/api/v1/documents/{slug}/candidates/{second}/merge", json={"ref": restated}
    )
    assert merged.status_code == 200, merged.text
    deliver(database_url, "2027-01-01T00:00:00Z")
    assert [(e["type"], e["commitment"]["ref"], e["changes"]) for e in receiver.events()] == [
        (
            "candidate.accepted",
            accepted.json()["commitment"]["ref"],
            {"candidate": {"document": slug, "number": first, "decision": "accepted"}},
        ),
        (
            "candidate.accepted",
            restated,
            {"candidate": {"document": slug, "number": second, "decision": "merged"}},
        ),
    ]
    assert {e["actor"] for e in receiver.events()} == {"us-editor"}


def test_the_workers_own_records_leave_the_registers_change_counter_alone(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str, database: Database
) -> None:
    def changes() -> int:
        with database.reader.connect() as connection:
            return int(connection.execute(text("SELECT changes FROM register_state")).scalar_one())

    register(api("admin"), receiver.url, "US")
    make_commitment(api("us-editor"), title="Open")
    before = changes()
    receiver.answers = [500]
    deliver(database_url, "2027-01-01T00:00:00Z")  # fanned out, tried, failed
    deliver(database_url, "2027-01-01T00:05:00Z")  # delivered
    run("jobs", "run", "prune", "--at", "2027-09-01T00:00:00Z", database_url=database_url)
    assert len(receiver.received) == 2
    assert changes() == before  # no reader's cached answer is thrown away for them


def test_a_decision_names_its_statement_only_to_a_party_that_reads_it(
    api: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    register(api("admin"), receiver.url, "JP", events=["candidate.accepted"])
    editor = api("us-editor")
    restated = make_commitment(
        editor,
        title="Shared line",
        parties=["US", "ROK"],
        releasable_to=["JP", "ROK", "US"],
        quote="Both sides will hold the line.",
    )["ref"]
    taken = make_document(editor)
    assert taken["document"]["access"] == "issuers"
    slug = taken["document"]["slug"]
    number = next(c["number"] for c in taken["candidates"] if "US" in c["obligors"])
    merged = editor.post(
        f"/api/v1/documents/{slug}/candidates/{number}/merge", json={"ref": restated}
    )
    assert merged.status_code == 200, merged.text
    deliver(database_url, "2027-01-01T00:00:00Z")
    assert [(e["commitment"]["ref"], e["changes"]) for e in receiver.events()] == [
        (restated, {"candidate": {"document": None, "number": None, "decision": "merged"}})
    ]
    assert all(slug.encode() not in body for _, body in receiver.received)
