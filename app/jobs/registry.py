"""The jobs the worker runs, by name."""

from datetime import timedelta

from app.board import prune_sessions
from app.core.changes import unseen
from app.core.security import SYSTEM
from app.jobs.service import Job, JobContext, prune_runs
from app.meetings.service import extend_interval_cycles
from app.reminders import prune_reminders_sent, remembered_days, send_reminders
from app.webhooks import prune_webhooks, send_webhooks


def _cycles(context: JobContext) -> str:
    if context.dry_run:
        return "would add the cycles of yearly and quarterly commitments that came into view"
    with context.database.transaction() as session:
        added = extend_interval_cycles(session=session, actor=SYSTEM)
    return f"{added} commitment(s) gained cycles"


def _prune(context: JobContext) -> str:
    settings = context.settings
    kept = timedelta(days=settings.retention_days)
    reminders_kept = timedelta(
        days=max(settings.retention_days, remembered_days(settings.reminder_days))
    )
    if context.dry_run:
        return (
            "would delete board sessions that ended or expired, and records older than "
            f"{settings.retention_days} days"
        )
    with context.database.transaction() as session:
        unseen(session)
        sessions = prune_sessions(session=session, now=context.now)
        runs = prune_runs(session=session, before=context.now - kept)
        deliveries, events = prune_webhooks(session=session, before=context.now - kept)
        mailed = prune_reminders_sent(session=session, before=context.now - reminders_kept)
    return (
        f"deleted {sessions} ended or expired board session(s), {runs} job run(s), "
        f"{deliveries} webhook delivery(ies) and {events} event(s), {mailed} reminder record(s)"
    )


JOBS = {
    job.name: job
    for job in (
        Job("cycles", "extend yearly and quarterly cycles as periods come into view", _cycles),
        Job(
            "reminders",
            "mail each lead what falls due, is overdue or stale; each party its weekly digest",
            send_reminders,
        ),
        Job(
            "prune",
            "delete board sessions that ended or expired, and the worker's records past their "
            "retention",
            _prune,
        ),
        Job("webhooks", "send every change to the webhooks that may see it", send_webhooks),
    )
}
