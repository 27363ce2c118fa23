"""Scheduled jobs: each runs once per due time (its slot), whichever worker or cron line is
first to claim the slot in the database."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.core.changes import UNCHANGED
from app.core.config import Settings
from app.core.db import Database
from app.core.time import utcnow
from app.jobs.models import JobRun


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the register, the settings, the time it runs for, and where to say
    what it does."""

    database: Database
    settings: Settings
    now: datetime
    dry_run: bool
    echo: Callable[[str], None]


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


def slot_of(moment: datetime) -> datetime:
    """The due time a run stands for: the minute it was scheduled for (cron's resolution)."""
    return moment.replace(second=0, microsecond=0)


def _claim(database: Database, job: str, slot: datetime) -> int | None:
    """The id of this run, or None when another worker has claimed the slot."""
    try:
        with database.transaction() as session:
            claimed = session.execute(
                insert(JobRun)
                .values(job=job, slot=slot, started_at=utcnow(), outcome="running")
                .returning(col(JobRun.id)),
                execution_options={UNCHANGED: True},
            )
            return int(claimed.scalar_one())
    except IntegrityError:
        return None


def _finish(database: Database, run_id: int, outcome: str, detail: str) -> None:
    with database.transaction() as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id)
            .values(finished_at=utcnow(), outcome=outcome, detail=detail[:10_000]),
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
    run claims nothing and changes nothing."""
    slot = slot_of(context.now)
    if context.dry_run:
        return Outcome(job.name, slot, True, job.run(context))
    run_id = _claim(context.database, job.name, slot)
    if run_id is None:
        return Outcome(job.name, slot, False, f"{job.name} already ran for {slot.isoformat()}")
    try:
        detail = job.run(context)
    except Exception as error:
        _finish(context.database, run_id, "failed", f"{type(error).__name__}: {error}")
        raise
    _finish(context.database, run_id, "done", detail)
    return Outcome(job.name, slot, True, detail)
