"""A webhook receiver on loopback that counts what it is sent, per Webhook-Id, and can be
slow to answer."""

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.factories import make_commitment


class CountingReceiver:
    """Answers every POST 200 after `delay` seconds; counts POSTs per Webhook-Id, keeps each
    commitment's versions in the order they arrived, and the most POSTs it held at once. With
    `gather` set, it holds each POST until that many are held at once, 7 s at most (the
    senders wait 10 s for an answer): senders that start apart are made to overlap, each
    holding its claim on a delivery longer than a short lease."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.gather = 0
        self.ids: list[str] = []
        self.versions: dict[str, list[int]] = {}
        self.in_flight = self.most_in_flight = 0
        lock = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.ids.append(self.headers["Webhook-Id"])
                    commitment = body["commitment"]
                    outer.versions.setdefault(commitment["ref"], []).append(commitment["version"])
                    outer.in_flight += 1
                    outer.most_in_flight = max(outer.most_in_flight, outer.in_flight)
                    lock.notify_all()
                    lock.wait_for(lambda: outer.most_in_flight >= outer.gather, timeout=7)
                time.sleep(outer.delay)
                with lock:
                    outer.in_flight -= 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> Counter[str]:
        return Counter(self.ids)


@pytest.fixture
def counting_receiver() -> Iterator[CountingReceiver]:
    listening = CountingReceiver()
    yield listening
    listening.server.shutdown()


def worker_env(lease_seconds: int = 3) -> dict[str, str]:
    """What a worker needs to post to the receivers on loopback, with short leases."""
    from tests.webhooks.conftest import KEY, LOOPBACK

    return {
        "COMMITMENTS_WEBHOOK_KEY": KEY,
        "COMMITMENTS_WEBHOOK_ALLOWED_NETWORKS": f'["{LOOPBACK}"]',
        "COMMITMENTS_JOBS_LEASE_SECONDS": str(lease_seconds),
    }


def three_changes_each(editor: Any, commitments: int) -> list[str]:
    """Commitments made, renamed and noted: three events each (versions 1, 2, 3)."""
    refs = []
    for number in range(commitments):
        made = make_commitment(editor, title=f"Task {number}")
        ref = made["ref"]
        renamed = editor.patch(
            f"/api/v1/commitments/{ref}",
            json={"title": f"Task {number}, renamed"},
            headers={"If-Match": f'"{made["version"]}"'},
        )
        assert renamed.status_code == 200, renamed.text
        noted = editor.post(
            f"/api/v1/commitments/{ref}/updates",
            json={"text": "Under way", "status": "in_progress"},
            headers={"If-Match": renamed.headers["ETag"]},
        )
        assert noted.status_code == 201, noted.text
        refs.append(ref)
    return refs
