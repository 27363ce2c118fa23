"""What a scheduled job is given when it runs: jobs are written against this, and the job
registry (app.jobs) runs them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.config import Settings
from app.core.db import Database


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the register, the settings, the time it runs for, and where to say
    what it does."""

    database: Database
    settings: Settings
    now: datetime
    dry_run: bool
    echo: Callable[[str], None]


def lease_of(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.jobs_lease_seconds)
