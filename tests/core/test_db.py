import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from app.core.db import Database


def test_requests_keep_their_connections_prepared_statements(
    client: TestClient, database: Database
) -> None:
    if database.reader.dialect.name != "postgresql":
        pytest.skip("prepared statements that outlive a transaction are PostgreSQL's")
    # psycopg prepares a statement on its sixth run on a connection, and forgets every
    # prepared statement when a transaction on that connection rolls back.
    for limit in range(1, 9):  # each a page of its own: none answered from memory
        assert client.get("/api/v1/commitments", params={"limit": limit}).status_code == 200
    with database.reader.connect() as connection:
        prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
        assert prepared.scalar_one() > 0


def test_a_connection_the_server_dropped_is_replaced_without_a_failed_request(
    client: TestClient, database: Database
) -> None:
    if database.reader.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")

    def drop_every_connection() -> None:
        outsider = create_engine(database.url, poolclass=NullPool)
        with outsider.connect() as connection:
            dropped = connection.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
        outsider.dispose()
        assert dropped >= 1  # the pool's idle connection, which the next request checks out

    assert client.get("/api/v1/commitments", params={"limit": 5}).status_code == 200
    drop_every_connection()
    assert client.get("/api/v1/commitments", params={"limit": 5}).status_code == 200
    drop_every_connection()
    added = client.post("/api/v1/contacts", json={"name": "J5 desk", "party": "US"})
    assert added.status_code == 201, added.text
