"""Scheduled work: the jobs `commitments worker` runs, each also runnable once."""

from app.core.job_context import JobContext, lease_of
from app.jobs.models import RunState
from app.jobs.service import (
    Job,
    Outcome,
    RunReport,
    recent_runs,
    run_job,
    slot_of,
    take_up_abandoned,
)

__all__ = [
    "Job",
    "JobContext",
    "Outcome",
    "RunReport",
    "RunState",
    "lease_of",
    "recent_runs",
    "run_job",
    "slot_of",
    "take_up_abandoned",
]
