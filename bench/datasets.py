"""The benchmark's registers: generated once, reused while they still hold what was asked."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from app.core.db import Database
from app.core.security import Role
from app.database_schema import upgrade
from app.users.models import UserCreate
from app.users.service import create_user
from bench.generate import generate, prepare
from bench.reset_database import reset
from bench.sql import scalar

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / "var" / "bench"


@dataclass
class Dataset:
    name: str
    url: str
    commitments: int
    generated_seconds: float
    generated_now: bool

    @property
    def backend(self) -> str:
        return "PostgreSQL" if self.url.startswith("postgresql") else "SQLite"


def _generated(url: str) -> int:
    try:
        return int(scalar(url, "SELECT count(*) FROM commitment WHERE ref LIKE 'GEN-%'"))
    except SQLAlchemyError:
        return -1


def ensure(name: str, backend_url: str, commitments: int, *, fresh: bool = False) -> Dataset:
    """A register of `commitments` synthetic commitments, generated unless one exists."""
    STATE.mkdir(parents=True, exist_ok=True)
    backend = make_url(backend_url).get_backend_name()
    record = STATE / f"{name}.{backend}.json"
    if backend == "sqlite":
        url = f"sqlite:///{STATE / name}.db"
    else:
        url = make_url(backend_url).set(database=name).render_as_string(hide_password=False)
    if not fresh and record.exists() and _generated(url) == commitments:
        upgrade(url)
        seconds = json.loads(record.read_text())["seconds"]
        return Dataset(name, url, commitments, seconds, generated_now=False)
    if url.startswith("sqlite"):
        for path in STATE.glob(f"{name}.db*"):
            path.unlink()
    else:
        reset(backend_url, name)
    started = time.perf_counter()
    prepare(url)
    generate(url, commitments)
    seconds = time.perf_counter() - started
    record.write_text(json.dumps({"seconds": seconds, "commitments": commitments}))
    return Dataset(name, url, commitments, seconds, generated_now=True)


def issue_tokens(url: str) -> dict[str, str]:
    """Fresh tokens for an administrator and a US editor of the register at `url`."""
    database = Database(Settings(database_url=url))
    suffix = f"{int(time.time() * 1000)}"
    with database.transaction() as session:
        tokens = {
            "admin": create_user(
                session=session, request=UserCreate(name=f"bench-admin-{suffix}", role=Role.admin)
            ).token,
            "editor": create_user(
                session=session,
                request=UserCreate(name=f"bench-editor-{suffix}", role=Role.editor, party="US"),
            ).token,
        }
    database.dispose()
    return tokens
