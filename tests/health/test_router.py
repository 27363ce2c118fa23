from fastapi.testclient import TestClient

from app.core.config import Settings
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
