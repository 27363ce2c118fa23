"""Scheduled jobs: each runs once per due time (its slot), whichever worker or cron line is
first to claim the slot in the database. A run holds a lease while its worker lives; a run
whose worker died is found by its lapsed lease, reported abandoned, and its job run again at
the next minute by a worker that schedules it."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.core.changes import UNCHANGED
from app.core.db import Database
from app.core.job_context import JobContext, lease_of
from app.core.lease import holder_name, renewed
from app.core.time import utcnow
from app.jobs.models import JobRun, RunState

DETAIL_MAX_LENGTH = 10_000


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    run: Callable[[JobContext], str]


@dataclass(frozen=True)
class Outcome:
    job: str
    slot: datetime
    ran: bool
    detail: str


@dataclass(frozen=True)
class RunReport:
    """A run as `commitments jobs list` shows it."""

    job: str
    slot: datetime
    state: RunState
    worker: str | None
    started_at: datetime
    finished_at: datetime | None
    detail: str | None


def slot_of(moment: datetime) -> datetime:
    """The due time a run stands for: the minute it was scheduled for (cron's resolution)."""
    return moment.replace(second=0, microsecond=0)


def _claim(
    database: Database, job: str, slot: datetime, worker: str, lease: timedelta
) -> int | None:
    """The id of this run, or None when another worker has claimed the slot."""
    started = utcnow()
    try:
        with database.transaction() as session:
            claimed = session.execute(
                insert(JobRun)
                .values(
                    job=job,
                    slot=slot,
                    started_at=started,
                    outcome=RunState.running.value,
                    worker=worker,
                    lease_until=started + lease,
                )
                .returning(col(JobRun.id)),
                execution_options={UNCHANGED: True},
            )
            return int(claimed.scalar_one())
    except IntegrityError:
        return None


def _renew(database: Database, run_id: int, lease: timedelta) -> None:
    with database.transaction() as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id, col(JobRun.outcome) == RunState.running.value)
            .values(lease_until=utcnow() + lease),
            execution_options={UNCHANGED: True},
        )


def _finish(database: Database, run_id: int, outcome: RunState, detail: str) -> None:
    with database.transaction() as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id)
            .values(finished_at=utcnow(), outcome=outcome.value, detail=detail[:DETAIL_MAX_LENGTH]),
            execution_options={UNCHANGED: True},
        )


def prune_runs(*, session: Session, before: datetime) -> int:
    """Delete the records of runs due before `before`."""
    pruned = session.execute(
        delete(JobRun).where(col(JobRun.slot) < before), execution_options={UNCHANGED: True}
    )
    return int(pruned.rowcount or 0)  # type: ignore[attr-defined]


def run_job(job: Job, context: JobContext) -> Outcome:
    """Run `job` for the slot of `context.now`, unless it ran (or runs) for it already. A dry
    run claims nothing and changes nothing. The run's lease is renewed while it runs."""
    slot = slot_of(context.now)
    if context.dry_run:
        return Outcome(job.name, slot, True, job.run(context))
    lease = lease_of(context.settings)
    run_id = _claim(context.database, job.name, slot, holder_name(), lease)
    if run_id is None:
        return Outcome(job.name, slot, False, f"{job.name} already ran for {slot.isoformat()}")
    keep = partial(_renew, context.database, run_id, lease)
    with renewed(keep, every=lease.total_seconds() / 3):
        try:
            detail = job.run(context)
        except Exception as error:
            _finish(context.database, run_id, RunState.failed, f"{type(error).__name__}: {error}")
            raise
    _finish(context.database, run_id, RunState.done, detail)
    return Outcome(job.name, slot, True, detail)


def _report(run: JobRun, clock: datetime) -> RunReport:
    state = RunState(run.outcome)
    if state is RunState.running and run.lease_until <= clock:
        state = RunState.abandoned
    return RunReport(
        run.job, run.slot, state, run.worker, run.started_at, run.finished_at, run.detail
    )


def recent_runs(*, database: Database, limit: int, clock: datetime) -> list[RunReport]:
    """The latest runs, newest first; a run still marked running whose lease lapsed before
    `clock` is reported abandoned."""
    with database.transaction(write=False) as session:
        runs = session.execute(
            select(JobRun)
            .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
            .limit(limit)
        ).scalars()
        return [_report(run, clock) for run in runs]


def take_up_abandoned(
    *, database: Database, jobs: Iterable[str], clock: datetime
) -> list[RunReport]:
    """Of `jobs`, those whose latest run was abandoned (its lease lapsed before `clock`) in a
    minute before `clock`'s: each such run is marked abandoned here, by one caller only, who
    is to run its job again (in `clock`'s minute: a slot of its own)."""
    taken = []
    for job in jobs:
        with database.transaction() as session:
            latest = session.execute(
                select(JobRun)
                .where(col(JobRun.job) == job)
                .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
                .limit(1)
            ).scalar_one_or_none()
            if latest is None or _report(latest, clock).state is not RunState.abandoned:
                continue
            if latest.started_at >= slot_of(clock):
                continue  # taken up next minute, in a slot of its own
            marked = session.execute(
                update(JobRun)
                .where(
                    col(JobRun.id) == latest.id,
                    col(JobRun.outcome) == RunState.running.value,
                    col(JobRun.lease_until) <= clock,
                )
                .values(outcome=RunState.abandoned.value, finished_at=clock),
                execution_options={UNCHANGED: True},
            )
            if marked.rowcount:  # type: ignore[attr-defined]
                taken.append(_report(latest, clock))
    return taken
