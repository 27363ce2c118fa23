"""The token check of an answer from memory runs the full path's statement straight through
the driver: it must refuse every token the full path refuses, whatever happened to the token
while the register itself did not change."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.core.changes import UNCHANGED
from app.core.db import Database, LoopConnection

PAGE = "/api/v1/commitments"


def _kept(viewer: TestClient, count_statements) -> None:
    """The page is kept, and answered from memory after one statement."""
    for _ in range(2):  # renders and records the token's use, then keeps the answer
        assert viewer.get(PAGE).status_code == 200
    count_statements.count = 0
    assert viewer.get(PAGE).status_code == 200
    assert count_statements.count == 1


def _unseen(database: Database, statement: str, **values: object) -> None:
    """A change to a token that no reader of the register is shown: the counter stays."""
    with database.transaction() as session:
        session.execute(text(statement), values, execution_options={UNCHANGED: True})


@pytest.mark.parametrize(
    "change",
    [
        lambda db: _unseen(db, "UPDATE api_token SET revoked_at = :at", at=datetime.now(UTC)),
        lambda db: _unseen(
            db, "UPDATE api_token SET expires_at = :at", at=datetime.now(UTC) - timedelta(1)
        ),
        lambda db: _unseen(db, "UPDATE user_account SET disabled_at = :at", at=datetime.now(UTC)),
        lambda db: _unseen(db, "UPDATE api_token SET scope = 'calendar'"),
        lambda db: _unseen(db, "UPDATE party SET standing = 'outside' WHERE code = 'US'"),
    ],
    ids=["revoked", "expired", "user disabled", "calendar token", "party made outside"],
)
def test_a_kept_answer_is_refused_to_a_token_no_longer_live(
    as_user, count_statements, database: Database, change: Callable[[Database], None]
) -> None:
    viewer = as_user("us-viewer")
    _kept(viewer, count_statements)
    change(database)
    refused = viewer.get(PAGE)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_token_expiring_later_still_gets_the_kept_answer(
    as_user, count_statements, database: Database
) -> None:
    viewer = as_user("us-viewer")
    _unseen(database, "UPDATE api_token SET expires_at = :at", at=datetime.now(UTC) + timedelta(1))
    _kept(viewer, count_statements)


def test_the_gate_replaces_a_connection_the_server_dropped(
    as_user, count_statements, database: Database
) -> None:
    if database.reader.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    viewer = as_user("us-viewer")
    _kept(viewer, count_statements)
    outsider = create_engine(database.url, poolclass=NullPool)
    with outsider.connect() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    outsider.dispose()
    # Answered in full (the gate's connection failed), then from memory again.
    assert viewer.get(PAGE).status_code == 200
    count_statements.count = 0
    assert viewer.get(PAGE).status_code == 200
    assert count_statements.count == 1


def test_a_gate_that_cannot_reach_the_database_leaves_the_answer_to_the_route(
    as_user, count_statements, monkeypatch
) -> None:
    viewer = as_user("us-viewer")
    _kept(viewer, count_statements)
    refused = OperationalError("connect", {}, Exception("the server closed the connection"))

    def unreachable(_self: LoopConnection) -> None:
        raise refused

    monkeypatch.setattr(LoopConnection, "_connect", unreachable)
    viewer.app.state.database.loop.close()  # the next check opens a connection
    answered = viewer.get(PAGE)
    assert answered.status_code == 200
    one = viewer.get(f"{PAGE}/{answered.json()['items'][0]['ref']}")
    assert one.status_code == 200
