"""A worker killed mid-run: its run is reported abandoned once its lease lapses, and another
worker takes up what it left at the next minute, not at the job's next due time."""

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.cli.test_cli import run
from tests.jobs.workers import Process, until
from tests.webhooks.receivers import CountingReceiver, three_changes_each, worker_env
from tests.webhooks.test_webhooks import register

EVERY_SECOND = '{"webhooks": "* * * * * *"}'
ONCE_A_YEAR = '{"webhooks": "0 0 1 1 *"}'


def listed_runs(database_url: str) -> list[list[str]]:
    """`commitments jobs list`'s runs of the webhooks job: slot, job, state, worker, ..."""
    listed = run("jobs", "list", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    runs = listed.stdout.split("latest runs:")[-1].splitlines()
    return [line.split() for line in runs if " webhooks " in line]


def test_a_run_killed_mid_run_is_abandoned_and_taken_up_at_the_next_minute(
    api: Callable[[str], TestClient],
    counting_receiver: CountingReceiver,
    spawn: Callable[..., Process],
    database_url: str,
) -> None:
    register(api("admin"), counting_receiver.url, "US")
    refs = three_changes_each(api("us-editor"), 8)
    counting_receiver.delay = 1.0
    first = spawn("worker", COMMITMENTS_JOBS_SCHEDULE=EVERY_SECOND, **worker_env())
    until(lambda: len(counting_receiver.ids) >= 3, 90, "the first worker to post three")
    first.kill()  # while the third is posted, unanswered
    in_flight = counting_receiver.ids[2]
    counting_receiver.delay = 0.0

    time.sleep(4)  # its lease (3 s) lapses
    (killed,) = listed_runs(database_url)
    assert killed[2] == "abandoned"
    assert len(counting_receiver.counts()) == 3

    # A worker that runs the job once a year only: the abandoned run's work is taken up at
    # the next minute all the same.
    second = spawn("worker", COMMITMENTS_JOBS_SCHEDULE=ONCE_A_YEAR, **worker_env())
    until(lambda: len(counting_receiver.counts()) == 24, 120, "every delivery")
    second.wait_for(" delivered, ", 30)
    output = second.stop()
    assert "was abandoned by" in output, output
    counts = counting_receiver.counts()
    # Sent again, once: the one whose answer the killed worker never read (the receiver
    # tells by its Webhook-Id); every other once.
    assert counts.pop(in_flight) == 2
    assert set(counts.values()) == {1}
    assert counting_receiver.versions == {ref: [1, 2, 3] for ref in refs} | {refs[0]: [1, 2, 3, 3]}
    taken_up, abandoned = listed_runs(database_url)
    assert (abandoned[0], abandoned[2]) == (killed[0], "abandoned")
    assert taken_up[2] == "done"
    assert taken_up[0] > killed[0]
    assert taken_up[3] != abandoned[3]  # another worker
