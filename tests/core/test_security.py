from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import TOKENS, bearer


def test_security_headers_on_every_response(client: TestClient, anonymous: TestClient) -> None:
    for response in (
        client.get("/api/v1/commitments"),
        anonymous.get("/api/v1/commitments"),
        client.get("/api/v1/nowhere"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert (
            response.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert response.headers["cache-control"] == "private, no-cache"
    docs = anonymous.get("/docs")
    assert "content-security-policy" not in docs.headers, "Swagger UI loads its scripts from a CDN"


def test_cors_is_closed_unless_configured(settings: Settings) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(settings)) as closed:
        response = closed.options("/api/v1/commitments", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
        assert (
            "access-control-allow-origin"
            not in closed.get("/healthz", headers={"Origin": "https://evil.example"}).headers
        )
    opened = settings.model_copy(update={"cors_origins": ["https://desk.example"]})
    with TestClient(create_app(opened)) as client:
        allowed = client.options(
            "/api/v1/commitments",
            headers={
                "Origin": "https://desk.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, if-match",
            },
        )
        assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
        refused = client.options("/api/v1/commitments", headers=preflight)
        assert "access-control-allow-origin" not in refused.headers


def test_failed_authentication_is_rate_limited_per_address(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth_failures_per_minute": 5}))
    wrong = {"Authorization": "Bearer ac_" + "x" * 43}
    with (
        TestClient(app, client=("203.0.113.7", 5000)) as attacker,
        TestClient(app, client=("198.51.100.2", 5000)) as colleague,
    ):
        assert [attacker.get("/api/v1/me", headers=wrong).status_code for _ in range(5)] == [
            401
        ] * 5
        blocked = attacker.get("/api/v1/me", headers=wrong)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.headers["content-type"] == "application/problem+json"
        # A valid token from the same address is never refused for the failures.
        assert attacker.get("/api/v1/me", headers=bearer("admin")).status_code == 200
        assert colleague.get("/api/v1/me", headers=bearer("admin")).status_code == 200
        assert attacker.get("/healthz").status_code == 200
    assert TOKENS["admin"]
