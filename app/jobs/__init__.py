"""Scheduled work: the jobs `commitments worker` runs, each also runnable once."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "JOBS": "registry",
    "Job": "service",
    "Outcome": "service",
    "RunReport": "service",
    "RunState": "models",
    "recent_runs": "service",
    "run_job": "service",
    "slot_of": "service",
    "take_up_abandoned": "service",
}

if TYPE_CHECKING:
    from app.jobs.models import RunState
    from app.jobs.registry import JOBS
    from app.jobs.service import (
        Job,
        Outcome,
        RunReport,
        recent_runs,
        run_job,
        slot_of,
        take_up_abandoned,
    )

__getattr__ = lazy_exports(__name__, _HOME)

__all__ = [
    "JOBS",
    "Job",
    "Outcome",
    "RunReport",
    "RunState",
    "recent_runs",
    "run_job",
    "slot_of",
    "take_up_abandoned",
]
