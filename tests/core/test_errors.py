from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

PROBLEM = "application/problem+json"


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    wrong = client.put("/api/v1/documents")
    assert (wrong.status_code, wrong.headers["content-type"]) == (405, PROBLEM)
    assert wrong.json()["type"].endswith("/method-not-allowed")


def test_bodies_over_the_limit_are_413(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 2048}))
    with TestClient(app) as client:
        response = client.put("/api/v1/documents", content=b"x" * 4096)
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM

        def chunks():
            for _ in range(4):
                yield b"x" * 1024

        streamed = client.put("/api/v1/documents", content=chunks())
        assert streamed.status_code in (405, 413)
        assert streamed.headers["content-type"] == PROBLEM


def test_the_openapi_document_describes_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/commitments", "/api/v1/commitments/{ref}", "/healthz", "/readyz"} <= set(
        schema["paths"]
    )
    assert "Problem" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_a_locked_sqlite_database_is_a_clean_503_other_faults_a_500(
    client: TestClient, monkeypatch
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError, ProgrammingError

    def locked(**_: object) -> None:
        raise OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr("app.commitments.rendering.one_public_form", locked)
    busy = client.get("/api/v1/commitments/SCM56-RCF-13")
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert busy.json()["type"].endswith("/busy")

    def broken(**_: object) -> None:
        raise ProgrammingError("SELECT ...", {}, sqlite3.ProgrammingError("no such column: x"))

    monkeypatch.setattr("app.commitments.rendering.one_public_form", broken)
    with TestClient(
        client.app, headers=dict(client.headers), raise_server_exceptions=False
    ) as quiet:
        failed = quiet.get("/api/v1/commitments/SCM56-RCF-13")
    assert failed.status_code == 500
    assert failed.headers["content-type"] == PROBLEM
    assert "column" not in failed.text, "internals stay in the log"
