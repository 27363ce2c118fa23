"""Scheduled work: the jobs `commitments worker` runs, each also runnable once."""

from app.jobs.models import RunState
from app.jobs.service import (
    Job,
    JobContext,
    Outcome,
    RunReport,
    lease_of,
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
