"""Several workers mail each reminder and each digest once: real `commitments jobs run`
processes against one database and one slow SMTP server on loopback (aiosmtpd), runs that
overlap, a worker killed in the middle of its run, and a server that never answers."""

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from app.core.db import Database
from tests.cli.test_cli import COMMAND
from tests.factories import make_contact
from tests.live_server import free_port
from tests.reminders.conftest import Inbox
from tests.reminders.test_digest import set_party
from tests.reminders.test_reminders import Users, body_of, led, run_reminders

DESKS = {"US": "us-desk@example.org", "ROK": "rok-desk@example.kr", "JP": "jp-desk@example.jp"}
LEADS = 8
MONDAY = "0"  # 2027-03-01 is a Monday: the digests go too


class Slow(Inbox):
    """Takes each mail after a pause at its recipient (before the message is in), counting
    the pauses begun and the most sessions paused at once."""

    def __init__(self, pause: float) -> None:
        super().__init__()
        self.pause = pause
        self.paused = 0
        self.in_flight = 0
        self.most = 0

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.paused += 1
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.pause)
        finally:
            self.in_flight -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def slow() -> Iterator[tuple[Slow, int]]:
    handler, port = Slow(pause=0.4), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def register(as_user: Users) -> dict[str, set[str]]:
    """LEADS leads of two commitments each (one due in three days, one overdue), and a digest
    address for each party: the references each lead is to be told of."""
    admin, editor = as_user("admin"), as_user("us-editor")
    expected: dict[str, set[str]] = {}
    for n in range(LEADS):
        address = f"lead{n}@example.org"
        lead = make_contact(admin, name=f"Lead {n}", email=address)
        expected[address] = {
            led(editor, {"US": lead}, f"Open office {n}", "2027-03-04"),
            led(editor, {"US": lead}, f"Name officers {n}", "2027-02-19"),
        }
    for code, desk in DESKS.items():
        set_party(admin, code, digest_email=desk)
    return expected


def worker(url: str, port: int, minute: int, **env: str) -> subprocess.Popen[str]:
    """A run of the reminders job in a process of its own, for its own slot of the day."""
    environment = os.environ | {
        "COMMITMENTS_DATABASE_URL": url,
        "COMMITMENTS_SMTP_HOST": "127.0.0.1",
        "COMMITMENTS_SMTP_PORT": str(port),
        "COMMITMENTS_PUBLIC_URL": "https://commitments.example",
        "COMMITMENTS_DIGEST_WEEKDAY": MONDAY,
        **env,
    }
    at = f"2027-03-01T08:{minute:02}:00Z"
    command = [COMMAND, "jobs", "run", "reminders", "--at", at]
    return subprocess.Popen(command, env=environment, text=True, stdout=subprocess.PIPE)


def finished(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out


def told(received: Inbox) -> Counter[tuple[str, str]]:
    """Each (recipient, commitment reference): in how many mails (a digest may list one in
    two sections)."""
    pairs: Counter[tuple[str, str]] = Counter()
    for recipients, message in received.messages:
        plain, _ = body_of(message)
        refs = {line[2:].split(":")[0] for line in plain.splitlines() if line.startswith("- ")}
        pairs.update((address, ref) for address in recipients for ref in refs)
    return pairs


def assert_each_once(received: Inbox, expected: dict[str, set[str]]) -> None:
    pairs = told(received)
    assert [pair for pair, times in pairs.items() if times > 1] == []
    for address, refs in expected.items():
        assert {ref for (to, ref) in pairs if to == address} == refs, address
    for desk in DESKS.values():
        assert len(received.to(desk)) == 1, desk


def held(database: Database) -> list[tuple[str, int]]:
    """The claims left, by holder: (holder, rows)."""
    with database.reader.connect() as connection:
        return [
            (holder, int(rows))
            for holder, rows in connection.execute(
                text(
                    "SELECT claimed_by, count(*) FROM reminder_sent WHERE state = 'sending' "
                    "GROUP BY claimed_by UNION ALL SELECT claimed_by, count(*) "
                    "FROM party_digest_sent WHERE state = 'sending' GROUP BY claimed_by"
                )
            )
        ]


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_running_at_once_mail_each_reminder_and_digest_once(
    workers: int,
    as_user: Users,
    database_url: str,
    database: Database,
    slow: tuple[Slow, int],
) -> None:
    server, port = slow
    expected = register(as_user)
    processes = [worker(database_url, port, minute) for minute in range(workers)]
    outputs = [finished(process) for process in processes]

    assert server.most >= 2, "the runs overlapped at the server"
    assert_each_once(server, expected)
    assert len(server.messages) == LEADS + len(DESKS)
    assert any("skipped, claimed by another run" in out for out in outputs), outputs
    assert held(database) == []
    # Every mail recorded sent: a later run has nothing to say.
    server.pause = 0
    assert "mailed 0 lead(s) about 0 commitment(s), 0 party digest(s)" in finished(
        worker(database_url, port, 59)
    )


def test_a_worker_killed_mid_run_leaves_the_rest_to_later_runs_once_its_claim_lapses(
    as_user: Users, database_url: str, database: Database, slow: tuple[Slow, int]
) -> None:
    server, port = slow
    expected = register(as_user)
    # Long enough for the next run to start and find the claim still held.
    lease = {"COMMITMENTS_REMINDER_LEASE_SECONDS": "15"}
    doomed = worker(database_url, port, 0, **lease)
    deadline = time.monotonic() + 60
    while server.paused < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Two mails sent and recorded, the third claimed and paused before the server took it.
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    claimed_at = time.monotonic()
    assert len(server.messages) == 2
    ((holder, rows),) = held(database)
    assert rows == 4  # the lead's two commitments, each due or overdue and in the weekly digest

    server.pause = 0
    meanwhile = finished(worker(database_url, port, 1, **lease))
    assert "1 mail(s) skipped, claimed by another run" in meanwhile
    assert len(server.messages) == LEADS + len(DESKS) - 1
    assert [claim for claim, _ in held(database)] == [holder]

    time.sleep(max(0.0, claimed_at + 15.5 - time.monotonic()))
    later = finished(worker(database_url, port, 2, **lease))
    assert "mailed 1 lead(s) about 2 commitment(s), 0 party digest(s)" in later
    assert "skipped" not in later
    assert_each_once(server, expected)
    assert held(database) == []


def test_a_server_that_never_answers_times_out_and_its_mail_goes_at_the_next_run(
    as_user: Users, database_url: str, database: Database, inbox: tuple[Inbox, int]
) -> None:
    lead = make_contact(as_user("admin"), name="Jane Doe", email="lead0@example.org")
    ref = led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-04")
    with socket.socket() as mute:
        # Connections are taken by the kernel and never answered: no greeting comes.
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        started = time.monotonic()
        hung = run_reminders(
            database_url,
            "2027-03-01T08:00:00Z",
            mute.getsockname()[1],
            COMMITMENTS_SMTP_TIMEOUT_SECONDS="0.5",
        )
        took = time.monotonic() - started
    assert hung.returncode == 2
    assert "mailed 0 of 1, then the SMTP server failed" in hung.stderr
    assert "timed out" in hung.stderr
    assert "Traceback" not in hung.stderr
    assert took < 30  # three tries of half a second, the backoff, and the process
    assert held(database) == []  # the claim was released: the mail is due again

    received, port = inbox
    done = run_reminders(database_url, "2027-03-01T08:01:00Z", port)
    assert done.returncode == 0, done.stderr
    assert "mailed 1 lead(s)" in done.stdout
    (mail,) = received.to("lead0@example.org")
    assert ref in body_of(mail)[0]
