"""The jobs the worker runs, by name."""

from app.board import prune_sessions
from app.core.security import SYSTEM
from app.jobs.service import Job, JobContext
from app.meetings.service import extend_interval_cycles
from app.reminders import send_reminders
from app.webhooks import send_webhooks


def _cycles(context: JobContext) -> str:
    if context.dry_run:
        return "would add the cycles of yearly and quarterly commitments that came into view"
    with context.database.transaction() as session:
        added = extend_interval_cycles(session=session, actor=SYSTEM)
    return f"{added} commitment(s) gained cycles"


def _prune(context: JobContext) -> str:
    if context.dry_run:
        return "would delete board sessions that ended or expired"
    with context.database.transaction() as session:
        pruned = prune_sessions(session=session, now=context.now)
    return f"{pruned} ended or expired board session(s) deleted"


JOBS = {
    job.name: job
    for job in (
        Job("cycles", "extend yearly and quarterly cycles as periods come into view", _cycles),
        Job(
            "reminders",
            "mail each lead what falls due, is overdue or stale; each party its weekly digest",
            send_reminders,
        ),
        Job("prune", "delete board sessions that ended or expired", _prune),
        Job("webhooks", "send every change to the webhooks that may see it", send_webhooks),
    )
}
