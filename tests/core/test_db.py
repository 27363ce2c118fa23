import pytest
from fastapi.testclient import TestClient

from app.core.db import Database


def test_requests_keep_their_connections_prepared_statements(
    client: TestClient, database: Database
) -> None:
    if database.reader.dialect.name != "postgresql":
        pytest.skip("prepared statements that outlive a transaction are PostgreSQL's")
    # psycopg prepares a statement on its sixth run on a connection, and forgets every
    # prepared statement when a transaction on that connection rolls back.
    for _ in range(8):
        assert client.get("/api/v1/commitments", params={"limit": 5}).status_code == 200
    with database.reader.connect() as connection:
        prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
        assert prepared.scalar_one() > 0
