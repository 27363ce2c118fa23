import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from app.core.db import Database
from app.users.models import ApiToken
from tests.conftest import TOKENS

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json"])
def test_probes_and_docs_need_no_token(anonymous: TestClient, path: str) -> None:
    assert anonymous.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/commitments",
        "/api/v1/commitments/SCM56-RCF-13",
        "/api/v1/commitments/SCM56-RCF-13/history",
        "/api/v1/documents",
        "/api/v1/areas",
        "/api/v1/parties",
        "/api/v1/meetings",
        "/api/v1/contacts",
        "/api/v1/me",
        "/api/v1/users",
    ],
)
def test_everything_else_needs_a_token(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ac_" + "x" * 43,
        "Bearer not-a-token",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer " + "a" * 5000,
    ],
)
def test_bad_tokens_are_401(anonymous: TestClient, authorization: str) -> None:
    response = anonymous.get("/api/v1/commitments", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthorized")


def test_a_truncated_token_is_401(anonymous: TestClient) -> None:
    token = TOKENS["us-viewer"]
    response = anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token[:-1]}"})
    assert response.status_code == 401


def test_me_tells_who_the_token_belongs_to(as_user) -> None:
    me = as_user("rok-editor").get("/api/v1/me").json()
    assert (me["name"], me["role"], me["party"]) == ("rok-editor", "editor", "ROK")
    assert all("token" not in key or key == "tokens" for key in me)


def test_admin_creates_a_user_whose_token_is_shown_once_and_stored_hashed(
    client: TestClient, anonymous: TestClient, database: Database
) -> None:
    created = client.post(
        "/api/v1/users", json={"name": "ROK desk", "role": "viewer", "party": "ROK"}
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ac_")
    me = anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "ROK desk"
    listed = client.get("/api/v1/users").text
    assert token not in listed
    with database.reader.connect() as connection:
        dump = " ".join(str(row) for row in connection.execute(text("SELECT * FROM api_token")))
    assert token not in dump


def test_the_last_use_of_a_token_is_recorded(as_user, database: Database) -> None:
    as_user("jp-editor").get("/api/v1/me")
    with database.session(write=False) as session:
        used = session.exec(select(ApiToken).where(ApiToken.last_used_at.is_not(None))).all()
    assert len(used) == 1


def test_revoked_tokens_stop_working(client: TestClient, as_user) -> None:
    viewer = as_user("us-viewer")
    me = viewer.get("/api/v1/me").json()
    token_id = me["tokens"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 200
    assert viewer.get("/api/v1/me").status_code == 401


def test_users_may_revoke_their_own_tokens_but_not_others(as_user) -> None:
    editor = as_user("us-editor")
    other = as_user("rok-editor").get("/api/v1/me").json()["tokens"][0]["id"]
    assert editor.delete(f"/api/v1/tokens/{other}").status_code == 404
    own = editor.get("/api/v1/me").json()["tokens"][0]["id"]
    assert editor.delete(f"/api/v1/tokens/{own}").status_code == 200
    assert editor.get("/api/v1/me").status_code == 401


def test_expired_tokens_stop_working(
    client: TestClient, anonymous: TestClient, database: Database
) -> None:
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = client.post(
        "/api/v1/users",
        json={"name": "temp", "role": "viewer", "party": "US", "token_expires_at": expires},
    ).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 200
    with database.session() as session:
        token = session.get(ApiToken, created["token_info"]["id"])
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(token)
        session.commit()
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 401


def test_disabled_users_are_locked_out(client: TestClient, as_user) -> None:
    user_id = as_user("jp-editor").get("/api/v1/me").json()["id"]
    assert client.delete(f"/api/v1/users/{user_id}").json()["disabled"] is True
    assert as_user("jp-editor").get("/api/v1/me").status_code == 401


def test_another_token_for_a_user(client: TestClient, anonymous: TestClient, as_user) -> None:
    user_id = as_user("us-viewer").get("/api/v1/me").json()["id"]
    issued = client.post(f"/api/v1/users/{user_id}/tokens", json={"label": "laptop"})
    assert issued.status_code == 201
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert anonymous.get("/api/v1/me", headers=headers).json()["name"] == "us-viewer"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x", "role": "viewer"}, 422),
        ({"name": "x", "role": "editor", "party": "ZZ"}, 422),
        ({"name": "x", "role": "overlord", "party": "US"}, 422),
        ({"name": "admin", "role": "admin"}, 409),
        ({"name": "x", "role": "viewer", "party": "US", "extra": 1}, 422),
        (
            {
                "name": "x",
                "role": "viewer",
                "party": "US",
                "token_expires_at": "2001-01-01T00:00:00Z",
            },
            422,
        ),
        (
            {
                "name": "x",
                "role": "viewer",
                "party": "US",
                "token_expires_at": "2099-01-01T00:00:00",
            },
            422,
        ),
        ({"name": "", "role": "viewer", "party": "US"}, 422),
    ],
)
def test_invalid_users_are_refused(client: TestClient, body: dict, status: int) -> None:
    client.get("/api/v1/users")  # the token's first use is recorded after this answer
    before = client.get("/api/v1/users").json()
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/users").json() == before


@pytest.mark.parametrize("name", ["us-editor", "us-viewer"])
def test_only_admins_manage_users(as_user, name: str) -> None:
    user = as_user(name)
    assert user.get("/api/v1/users").status_code == 403
    created = user.post("/api/v1/users", json={"name": "x", "role": "admin"})
    assert created.status_code == 403
    assert created.json()["type"].endswith("/forbidden")
    assert user.post("/api/v1/users/1/tokens", json={}).status_code == 403
    assert user.delete("/api/v1/users/1").status_code == 403


def test_no_administrator_disables_themself_nor_the_last_one(client: TestClient) -> None:
    me = client.get("/api/v1/me").json()
    refused = client.delete(f"/api/v1/users/{me['id']}")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/me").status_code == 200
    second = client.post("/api/v1/users", json={"name": "second-admin", "role": "admin"})
    assert second.status_code == 201, second.text
    other = TestClient(client.app, headers={"Authorization": f"Bearer {second.json()['token']}"})
    with other:
        assert other.delete(f"/api/v1/users/{me['id']}").json()["disabled"] is True
        assert other.delete(f"/api/v1/users/{second.json()['user']['id']}").status_code == 409
        assert other.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_two_administrators_disabling_each_other_at_once_leave_one(client: TestClient) -> None:
    """The last-administrator rule holds under a race: each request sees two enabled
    administrators when it starts."""
    issued = client.post("/api/v1/users", json={"name": "second-admin", "role": "admin"}).json()
    ids = [client.get("/api/v1/me").json()["id"], issued["user"]["id"]]
    tokens = [client.headers["Authorization"], f"Bearer {issued['token']}"]
    barrier = threading.Barrier(2)

    def disable(mine: int) -> int:
        with TestClient(client.app, headers={"Authorization": tokens[mine]}) as http:
            barrier.wait()
            return http.delete(f"/api/v1/users/{ids[1 - mine]}").status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(disable, [0, 1]))
    assert statuses in ([200, 401], [200, 409], [200, 503]), statuses
    admin_alive = [
        TestClient(client.app, headers={"Authorization": token}).get("/api/v1/me").status_code
        for token in tokens
    ]
    assert admin_alive.count(200) == 1, admin_alive
