"""`commitments worker` runs the scheduled jobs; `commitments jobs run NAME` runs one once
(for cron or CI). Both claim each due time in the database: a job runs once per slot however
many workers run."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError

if TYPE_CHECKING:
    from app.core.config import Settings
    from app.core.db import Database
    from app.jobs import Job

jobs_app = typer.Typer(help="Scheduled jobs: list them, or run one once.", no_args_is_help=True)


def _jobs() -> "dict[str, Job]":
    from app.jobs import JOBS

    return JOBS


def _run(
    job: "Job", database: "Database", settings: "Settings", now: datetime, dry_run: bool
) -> None:
    from app.core.job_context import JobContext
    from app.jobs import run_job

    context = JobContext(database, settings, now, dry_run, typer.echo)
    outcome = run_job(job, context)
    stamp = outcome.slot.isoformat(timespec="minutes")
    typer.echo(f"{job.name} [{stamp}] {outcome.detail}")


@jobs_app.command("list")
def list_jobs(
    runs: Annotated[
        int, typer.Option(min=0, max=1000, help="How many of the latest runs to show")
    ] = 20,
) -> None:
    """Every job, with when the worker runs it; then the latest runs, newest first: running,
    done, failed, or abandoned (its worker died mid-run; a later run took up what it left)."""
    from app.cli.database import open_database
    from app.core.config import get_settings
    from app.core.time import utcnow
    from app.jobs import recent_runs

    settings = get_settings()
    schedule = settings.jobs_schedule
    for name, job in _jobs().items():
        typer.echo(f"{name:10} {schedule.get(name, '(not scheduled)'):16} {job.summary}")
    if not runs:
        return
    database = open_database(settings)
    try:
        latest = recent_runs(database=database, limit=runs, clock=utcnow())
    finally:
        database.dispose()
    typer.echo("\nlatest runs:" if latest else "\nno run yet")
    for run in latest:
        detail = (run.detail or "").splitlines()[0][:120] if run.detail else ""
        stamp = run.slot.isoformat(timespec="minutes")
        typer.echo(f"{stamp} {run.job:10} {run.state.value:9} {run.worker or '-'}  {detail}")


@jobs_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The job: cycles, reminders, prune or webhooks")],
    at: Annotated[
        datetime | None,
        typer.Option(help="Run as of this time (ISO 8601, UTC unless it has an offset)"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be done; change and send nothing")
    ] = False,
) -> None:
    """Run one job now, once: a slot already run (by a worker, say) is left alone."""
    from app.cli.database import open_database
    from app.core.config import get_settings
    from app.core.time import utcnow

    job = _jobs().get(name)
    if job is None:
        raise CliError(f"No job {name!r}; jobs: {', '.join(_jobs())}.")
    now = utcnow() if at is None else (at if at.tzinfo else at.replace(tzinfo=UTC))
    settings = get_settings()
    database = open_database(settings)
    try:
        _run(job, database, settings, now.astimezone(UTC), dry_run)
    finally:
        database.dispose()


def _scheduled(job: "Job", database: "Database", settings: "Settings") -> None:
    """A scheduled run, for the time it starts (its slot: that minute). A failure is logged
    and the worker goes on to the next run."""
    from app.core.time import utcnow

    try:
        _run(job, database, settings, utcnow(), dry_run=False)
    except Exception as error:
        typer.echo(f"{job.name} failed: {type(error).__name__}: {error}", err=True)


def _take_up(jobs: "dict[str, Job]", database: "Database", settings: "Settings") -> None:
    """Run again, now, each scheduled job whose last run's worker died (its lease lapsed):
    what it left waits a minute, not until the job's next due time."""
    from app.core.time import utcnow
    from app.jobs import take_up_abandoned

    try:
        taken = take_up_abandoned(database=database, jobs=settings.jobs_schedule, clock=utcnow())
    except Exception as error:
        typer.echo(f"worker: abandoned runs not checked: {type(error).__name__}", err=True)
        return
    for run in taken:
        stamp = run.slot.isoformat(timespec="minutes")
        typer.echo(f"worker: {run.job} [{stamp}] was abandoned by {run.worker}; taking it up")
        _scheduled(jobs[run.job], database, settings)


def _trigger(crontab: str, settings: "Settings") -> "object":
    """A crontab line; with six fields, the first is the second (cron's own resolution is the
    minute, and a slot stays one: several runs within a minute are one run)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = crontab.split()
    if len(fields) == 6:
        second, minute, hour, day, month, day_of_week = fields
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=settings.zone,
        )
    try:
        return CronTrigger.from_crontab(crontab, timezone=settings.zone)
    except ValueError as error:
        raise CliError(f"Bad schedule {crontab!r}: {error}") from None


def worker() -> None:
    """Run the scheduled jobs (COMMITMENTS_JOBS_SCHEDULE) until stopped; several copies may
    run: each due time is run by one of them."""
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    from app.cli.database import open_database
    from app.core.config import get_settings
    from app.core.time import utcnow

    settings = get_settings()
    database = open_database(settings)
    scheduler = BlockingScheduler(timezone=settings.zone)
    jobs = _jobs()
    for name, crontab in settings.jobs_schedule.items():
        if name not in jobs:
            raise CliError(f"COMMITMENTS_JOBS_SCHEDULE names no job {name!r}.")
        scheduler.add_job(
            _scheduled,
            _trigger(crontab, settings),
            args=[jobs[name], database, settings],
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
        typer.echo(f"worker: {name} at '{crontab}' ({settings.timezone})")
    # Looks for abandoned runs as often as a lease can lapse, and at least every minute.
    scheduler.add_job(
        _take_up,
        "interval",
        seconds=min(settings.jobs_lease_seconds, 60),
        args=[jobs, database, settings],
        id="take-up",
        next_run_time=utcnow(),
        max_instances=1,
        coalesce=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    typer.echo(f"worker: started {utcnow().isoformat(timespec='seconds')}")
    try:
        scheduler.start()
    finally:
        database.dispose()
        typer.echo("worker: stopped")
