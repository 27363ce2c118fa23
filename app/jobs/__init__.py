"""Scheduled work: the jobs `commitments worker` runs, each also runnable once."""

from app.jobs.service import Job, JobContext, Outcome, run_job, slot_of

__all__ = ["Job", "JobContext", "Outcome", "run_job", "slot_of"]
