"""The jobs the worker runs, by name."""

from datetime import timedelta

from app.board import prune_sessions
from app.core.idempotent_answers import prune_idempotent_answers
from app.core.job_context import JobContext
from app.core.security import SYSTEM
from app.jobs.service import Job, prune_runs
from app.meetings import extend_interval_cycles
from app.reminders import prune_reminders_sent, send_reminders
from app.webhooks import prune_webhooks, send_webhooks


def _cycles(context: JobContext) -> str:
    if context.dry_run:
        return "would add the cycles of yearly and quarterly commitments that came into view"
    with context.database.transaction() as session:
        added = extend_interval_cycles(session=session, actor=SYSTEM)
    return f"{added} commitment(s) gained cycles"


def _prune(context: JobContext) -> str:
    settings = context.settings
    before = context.now - timedelta(days=settings.retention_days)
    if context.dry_run:
        return (
            "would delete board sessions that ended or expired, answers to Idempotency-Keys "
            f"older than {settings.idempotency_retention_hours} hours, and records older than "
            f"{settings.retention_days} days"
        )
    # Each of these deletes marks itself as changing nothing a reader is shown.
    with context.database.transaction() as session:
        sessions = prune_sessions(session=session, now=context.now)
        answers = prune_idempotent_answers(
            session=session,
            before=context.now - timedelta(hours=settings.idempotency_retention_hours),
        )
        runs = prune_runs(session=session, before=before)
        deliveries, events = prune_webhooks(session=session, before=before)
        mailed = prune_reminders_sent(
            session=session,
            now=context.now,
            retention_days=settings.retention_days,
            reminder_days=settings.reminder_days,
        )
    return (
        f"deleted {sessions} ended or expired board session(s), {answers} idempotent "
        f"answer(s), {runs} job run(s), "
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
            "delete board sessions that ended or expired, answers to Idempotency-Keys, and the "
            "worker's records past their retention",
            _prune,
        ),
        Job("webhooks", "send every change to the webhooks that may see it", send_webhooks),
    )
}
