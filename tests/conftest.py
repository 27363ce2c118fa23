"""Every test gets a fresh database built by the real migrations.

Backend: SQLite by default; PostgreSQL when COMMITMENTS_TEST_DATABASE_URL is set (its database
is used only to create and drop per-test databases cloned from a migrated template).
"""

import itertools
import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app.core.config import PROJECT_ROOT, Settings
from app.core.db import Database
from app.core.security import Role
from app.database_schema import upgrade
from app.seeding.service import seed_register
from app.users.gate import TokenGate
from app.users.models import UserCreate
from app.users.service import create_user

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402

SEEDS_DIR = PROJECT_ROOT / "seeds"
SOURCE_STATEMENTS = PROJECT_ROOT.parent / "shared" / "seeds"
POSTGRES_URL = os.environ.get("COMMITMENTS_TEST_DATABASE_URL")


# (name, role, party) of the users every seeded test database has.
TEST_USERS = [
    ("admin", "admin", None),
    ("us-editor", "editor", "US"),
    ("rok-editor", "editor", "ROK"),
    ("jp-editor", "editor", "JP"),
    ("us-viewer", "viewer", "US"),
    ("rok-viewer", "viewer", "ROK"),
]
TOKENS: dict[str, str] = {}


def seed(url: str, *, with_users: bool = False) -> None:
    database = Database(Settings(database_url=url))
    with database.session() as session:
        seed_register(session=session, seeds_dir=SEEDS_DIR)
        if with_users:
            for name, role, party in TEST_USERS:
                request = UserCreate(name=name, role=Role(role), party=party)
                TOKENS[name] = create_user(session=session, request=request).token
        session.commit()
    database.dispose()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.counter = itertools.count()
        self.templates: dict[str, Path] = {}

    def template(self, name: str, *, seeded: bool) -> Path:
        if name not in self.templates:
            path = self.root / f"template-{name}.db"
            url = f"sqlite:///{path}"
            upgrade(url)
            if seeded:
                seed(url, with_users=True)
            self.templates[name] = path
        return self.templates[name]

    def fresh(self, *, seeded: bool) -> Iterator[str]:
        path = self.root / f"test-{next(self.counter)}.db"
        shutil.copyfile(self.template("seeded" if seeded else "empty", seeded=seeded), path)
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def blank(self) -> str:
        return f"sqlite:///{self.root / f'blank-{next(self.counter)}.db'}"

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.prefix = f"ac_{os.getpid()}"
        self.counter = itertools.count()
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def url_of(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return self.url_of(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def template(self, name: str, *, seeded: bool) -> str:
        if name not in self.templates:
            database = f"{self.prefix}_template_{name}"
            url = self.create(database)
            upgrade(url)
            if seeded:
                seed(url, with_users=True)
            self.templates[name] = database
        return self.templates[name]

    def fresh(self, *, seeded: bool) -> Iterator[str]:
        template = self.template("seeded" if seeded else "empty", seeded=seeded)
        name = f"{self.prefix}_{next(self.counter)}"
        yield self.create(name, template)
        self.drop(name)

    def blank(self) -> str:
        return self.create(f"{self.prefix}_blank_{next(self.counter)}")

    def close(self) -> None:
        for name in self.created:
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SqliteDatabases | PostgresDatabases]:
    factory: SqliteDatabases | PostgresDatabases
    if POSTGRES_URL:
        factory = PostgresDatabases(POSTGRES_URL)
    else:
        factory = SqliteDatabases(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture
def database_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    """A migrated, seeded database of its own."""
    yield from databases.fresh(seeded=True)


@pytest.fixture
def empty_database_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    """A migrated database with no rows."""
    yield from databases.fresh(seeded=False)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, seeds_dir=SEEDS_DIR)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client authenticated as the administrator."""
    with TestClient(app, headers=bearer("admin")) as test_client:
        yield test_client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def as_user(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Clients authenticated as one of TEST_USERS, by name."""
    with signed_in(app) as client_for:
        yield client_for


@contextmanager
def signed_in(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Clients of `app` authenticated as one of TEST_USERS, by name, closed at the end."""
    clients: dict[str, TestClient] = {}

    def client_for(name: str) -> TestClient:
        if name not in clients:
            clients[name] = TestClient(app, headers=bearer(name))
            clients[name].__enter__()
        return clients[name]

    yield client_for
    for test_client in clients.values():
        test_client.__exit__(None, None, None)


@pytest.fixture
def database(app: FastAPI) -> Database:
    """The app's own engines, for checks that look behind the API."""
    return app.state.database


class StatementCounter:
    """Statements sent through the app's engines and through its token gate (which runs
    straight through the driver); set `count` to 0 to start counting afresh."""

    def __init__(self, gate: TokenGate) -> None:
        self._gate = gate
        self._through_engines = 0
        self._gate_from = gate.statements
        # What went through the engines since the count was last set, first words only.
        self.through_engines: list[str] = []

    @property
    def count(self) -> int:
        return self._through_engines + self._gate.statements - self._gate_from

    @count.setter
    def count(self, value: int) -> None:
        self._through_engines, self._gate_from = value, self._gate.statements
        self.through_engines = []

    def __call__(self, _connection: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit transaction starts
            self._through_engines += 1
            self.through_engines.append(" ".join(statement.split()[:3]))


@pytest.fixture
def count_statements(app: FastAPI, database: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter(app.state.token_gate)
    event.listen(database.reader, "before_cursor_execute", counter)
    yield counter
    event.remove(database.reader, "before_cursor_execute", counter)
