"""Any number of runs of the webhooks job at once, each a real process: every delivery is
claimed before it is posted, so each is posted once, in order per commitment."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.jobs.workers import Process, until
from tests.webhooks.receivers import CountingReceiver, three_changes_each, worker_env
from tests.webhooks.test_webhooks import register


@pytest.mark.parametrize("runs", [2, 3])
def test_overlapping_runs_post_each_delivery_once_in_order(
    api: Callable[[str], TestClient],
    counting_receiver: CountingReceiver,
    spawn: Callable[..., Process],
    runs: int,
) -> None:
    register(api("admin"), counting_receiver.url, "US")
    refs = three_changes_each(api("us-editor"), 10)
    # The first POST is held until every run has one under way: the runs overlap.
    counting_receiver.gather, counting_receiver.delay = runs, 0.2
    first = spawn("jobs", "run", "webhooks", "--at", "2027-01-01T00:00:00Z", **worker_env())
    until(lambda: len(counting_receiver.ids) >= 1, 90, "the first run to post")
    later = [
        spawn("jobs", "run", "webhooks", "--at", f"2027-01-01T00:0{minute}:00Z", **worker_env())
        for minute in range(1, runs)
    ]
    outputs = [process.finish() for process in (first, *later)]
    counts = counting_receiver.counts()
    assert len(counts) == 30
    assert set(counts.values()) == {1}, counts  # not one posted twice
    assert counting_receiver.versions == {ref: [1, 2, 3] for ref in refs}
    assert counting_receiver.most_in_flight == runs  # the runs did overlap
    delivered = [int(re.findall(r"(\d+) delivered", output)[-1]) for output in outputs]
    assert sum(delivered) == 30
    assert sum(1 for count in delivered if count) >= 2, outputs  # shared between runs
