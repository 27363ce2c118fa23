"""Scheduled jobs: run once per due time, by the worker or from the command line."""

import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from tests.board.conftest import csrf_of, sign_in
from tests.cli.test_cli import run
from tests.conftest import TOKENS
from tests.jobs.workers import Process

Users = Callable[[str], TestClient]


def job_runs(database: Database, job: str) -> list[tuple[str, str]]:
    with database.reader.connect() as connection:
        rows = connection.execute(
            text("SELECT slot, outcome FROM job_run WHERE job = :job ORDER BY slot"), {"job": job}
        )
        return [(str(slot), outcome) for slot, outcome in rows]


def sessions(database: Database) -> int:
    with database.reader.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM board_session")).scalar_one()


def test_a_job_runs_once_per_due_time(database_url: str, database: Database) -> None:
    first = run("jobs", "run", "cycles", "--at", "2027-01-01T00:10:30Z", database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert "gained cycles" in first.stdout
    again = run("jobs", "run", "cycles", "--at", "2027-01-01T00:10:50Z", database_url=database_url)
    assert "already ran" in again.stdout
    later = run("jobs", "run", "cycles", "--at", "2027-01-02T00:10:00Z", database_url=database_url)
    assert "gained cycles" in later.stdout
    assert [outcome for _, outcome in job_runs(database, "cycles")] == ["done", "done"]
    unknown = run("jobs", "run", "nothing", database_url=database_url)
    assert unknown.returncode == 2
    assert "jobs: cycles, reminders, prune" in unknown.stderr


def test_pruning_deletes_the_sessions_that_ended_or_expired_only(
    app, database_url: str, database: Database
) -> None:
    with TestClient(app) as leaving, TestClient(app) as staying:
        sign_in(leaving, TOKENS["us-editor"])
        sign_in(staying, TOKENS["rok-editor"])
        leaving.post("/board/sign-out", data={"csrf": csrf_of(leaving.get("/board/work").text)})
        assert sessions(database) == 2
        pruned = run("jobs", "run", "prune", database_url=database_url)
        assert "deleted 1 ended or expired board session(s)" in pruned.stdout
        assert sessions(database) == 1
        assert staying.get("/board/work", follow_redirects=False).status_code == 200


def test_pruning_forgets_job_runs_past_the_retention(database_url: str, database: Database) -> None:
    for at in ("2027-01-01T00:10:00Z", "2027-03-01T00:10:00Z"):
        assert run("jobs", "run", "cycles", "--at", at, database_url=database_url).returncode == 0
    pruned = run(
        "jobs",
        "run",
        "prune",
        "--at",
        "2027-04-15T00:00:00Z",
        database_url=database_url,
        COMMITMENTS_RETENTION_DAYS="60",
    )
    assert "1 job run(s)" in pruned.stdout
    assert [slot[:10] for slot, _ in job_runs(database, "cycles")] == ["2027-03-01"]
    refused = run("jobs", "run", "prune", database_url=database_url, COMMITMENTS_RETENTION_DAYS="1")
    assert refused.returncode == 2
    assert "COMMITMENTS_RETENTION_DAYS" in refused.stderr


def test_two_workers_run_each_due_time_once_and_stop_on_sigterm(
    spawn: Callable[..., Process], database: Database
) -> None:
    every_second = '{"prune": "* * * * * *"}'
    workers = [spawn("worker", COMMITMENTS_JOBS_SCHEDULE=every_second) for _ in range(2)]
    for worker in workers:
        worker.wait_for("worker: started")
    time.sleep(5)
    outputs = [worker.stop() for worker in workers]
    assert all("worker: prune at '* * * * * *'" in output for output in outputs)
    assert all("worker: stopped" in output for output in outputs)
    runs = job_runs(database, "prune")
    # Every second, in two workers: one run per minute-slot, the other attempts stood down.
    assert 1 <= len(runs) <= 2
    assert len({slot for slot, _ in runs}) == len(runs)
    assert sum(output.count("already ran") for output in outputs) >= 4


def test_the_list_shows_each_jobs_schedule_and_the_latest_runs(database_url: str) -> None:
    for at in ("2027-01-01T00:10:00Z", "2027-01-02T00:10:00Z"):
        assert run("jobs", "run", "cycles", "--at", at, database_url=database_url).returncode == 0
    listed = run("jobs", "list", "--runs", "1", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert "webhooks   * * * * *" in listed.stdout
    runs = listed.stdout.split("latest runs:")[1].split()
    assert runs[:3] == ["2027-01-02T00:10+00:00", "cycles", "done"]
    assert "2027-01-01" not in listed.stdout
    refused = run("jobs", "list", "--runs", "1001", database_url=database_url)
    assert refused.returncode == 2
