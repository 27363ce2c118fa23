from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app


def test_healthz_and_readyz_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_is_503_until_the_database_is_migrated(databases) -> None:
    app = create_app(Settings(database_url=databases.blank()))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "commitments db upgrade" in response.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    with TestClient(create_app(Settings(database_url=url, pool_timeout_seconds=1))) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"


def test_readyz_is_503_on_a_read_only_database_before_any_write_fails(
    client: TestClient, database: Database
) -> None:
    assert client.get("/readyz").status_code == 200
    sqlite = database.reader.dialect.name == "sqlite"
    statement = "PRAGMA query_only = ON" if sqlite else "SET default_transaction_read_only = on"

    @event.listens_for(database.reader, "connect")
    def _read_only(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.commit()  # PostgreSQL: a SET is undone with its transaction

    database.loop.close()
    database.reader.pool.dispose()
    try:
        unready = client.get("/readyz")
        assert unready.status_code == 503
        assert "read-only" in unready.json()["detail"]
    finally:
        event.remove(database.reader, "connect", _read_only)
        database.loop.close()
        database.reader.pool.dispose()
    assert client.get("/readyz").status_code == 200
