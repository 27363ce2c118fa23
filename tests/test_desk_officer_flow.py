"""The desk officers' day, end to end: accounts, an edit with If-Match, a stale write, what a
viewer may and may not do, and the history of who did what."""

import httpx
from fastapi.testclient import TestClient

from tests.conftest import TOKENS
from tests.live_server import live_server

REF = "SCM56-RCF-13"


def run_flow(http: httpx.Client, admin_token: str) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    editor_token = http.post(
        "/api/v1/users",
        json={"name": "Jane Doe (U.S. desk)", "role": "editor", "party": "US"},
        headers=admin,
    ).json()["token"]
    viewer_token = http.post(
        "/api/v1/users",
        json={"name": "Lee Seo-yeon (ROK desk)", "role": "viewer", "party": "ROK"},
        headers=admin,
    ).json()["token"]
    editor = {"Authorization": f"Bearer {editor_token}"}
    viewer = {"Authorization": f"Bearer {viewer_token}"}

    owner = http.post(
        "/api/v1/contacts",
        json={"name": "OSD Korea desk", "party": "US", "kind": "office"},
        headers=editor,
    ).json()
    read = http.get(f"/api/v1/commitments/{REF}", headers=editor)
    etag = read.headers["etag"]
    changed = http.patch(
        f"/api/v1/commitments/{REF}",
        json={
            "leads": [{"party": "US", "contact_id": owner["id"]}],
            "due_date": "2026-12-15",
            "status": "at_risk",
        },
        headers=editor | {"If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "at_risk"
    stale = http.patch(
        f"/api/v1/commitments/{REF}",
        json={"status": "in_progress"},
        headers=editor | {"If-Match": etag},
    )
    assert stale.status_code == 412
    # The version it is at: the tag of what was last read starts with it.
    assert changed.headers["etag"].startswith(stale.json()["current_etag"][:-1] + ".")

    us_only = http.post(
        "/api/v1/commitments",
        json={"title": "U.S.-only staffing plan", "parties": ["US"]},
        headers=editor,
    ).json()["ref"]
    refused = http.patch(
        f"/api/v1/commitments/{REF}",
        json={"status": "in_progress"},
        headers=viewer | {"If-Match": changed.headers["etag"]},
    )
    assert refused.status_code == 403
    assert http.get(f"/api/v1/commitments/{us_only}", headers=viewer).status_code == 404
    assert http.get(f"/api/v1/commitments/{REF}", headers=viewer).json()["due_date"] == "2026-12-15"

    entries = http.get(f"/api/v1/commitments/{REF}/history", headers=viewer).json()["items"]
    by_editor = {e["field"]: e for e in entries if e["actor"] == "Jane Doe (U.S. desk)"}
    assert set(by_editor) == {"leads", "due_date", "due_rule", "status"}
    assert by_editor["due_date"]["old_value"] == "2025-11-04"
    assert by_editor["leads"]["new_value"] == {"US": owner["id"]}
    assert {e["channel"] for e in by_editor.values()} == {"api"}
    assert [e["actor"] for e in entries if e["field"] == "created"] == ["seed"]


def test_the_flow_in_process(anonymous: TestClient) -> None:
    run_flow(anonymous, TOKENS["admin"])


def test_the_flow_against_a_running_server(database_url: str) -> None:
    with live_server(database_url) as (url, _), httpx.Client(base_url=url, timeout=10) as http:
        run_flow(http, TOKENS["admin"])


def test_first_start_creates_an_admin_and_prints_how_to_authenticate(databases) -> None:
    from tests.cli.test_cli import run

    url = databases.blank()
    assert run("db", "upgrade", database_url=url).returncode == 0
    assert run("seed", database_url=url).returncode == 0
    with live_server(url) as (base, process):
        output = process.stop()
    token_line = next(line for line in output.splitlines() if line.strip().startswith("ac_"))
    assert "curl -H 'Authorization: Bearer ac_" in output
    token = token_line.strip()
    with live_server(url) as (base, process):
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert (me.json()["name"], me.json()["role"]) == ("admin", "admin")
        second_output = process.stop()
    assert token not in second_output, "the token is shown only once"


def test_no_admin_is_created_where_the_output_is_a_shared_log(databases) -> None:
    from tests.cli.test_cli import run

    url = databases.blank()
    assert run("db", "upgrade", database_url=url).returncode == 0
    with live_server(url, options=["--no-create-admin"]) as (_, process):
        output = process.stop()
    assert "ac_" not in output
    assert "commitments users add NAME --role admin" in output
    assert "admin" not in run("users", "list", database_url=url).stdout
    with live_server(url) as (_, process):
        assert "ac_" in process.stop()


def test_cli_users_and_tokens(database_url: str) -> None:
    from tests.cli.test_cli import run

    added = run(
        "users",
        "add",
        "Tanaka Hiro",
        "--role",
        "editor",
        "--party",
        "JP",
        database_url=database_url,
    )
    assert added.returncode == 0, added.stderr
    token = next(
        line.strip() for line in added.stdout.splitlines() if line.strip().startswith("ac_")
    )
    listed = run("users", "list", database_url=database_url).stdout
    assert "Tanaka Hiro" in listed
    assert token not in listed
    with live_server(database_url) as (base, _):
        headers = {"Authorization": f"Bearer {token}"}
        me = httpx.get(f"{base}/api/v1/me", headers=headers).json()
        assert (me["role"], me["party"]) == ("editor", "JP")
        revoked = run("tokens", "revoke", str(me["tokens"][0]["id"]), database_url=database_url)
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(f"{base}/api/v1/me", headers=headers).status_code == 401
    again = run(
        "users",
        "add",
        "Tanaka Hiro",
        "--role",
        "editor",
        "--party",
        "JP",
        database_url=database_url,
    )
    assert again.returncode == 2
    assert again.stderr.startswith("error: A user named")
    bad_role = run(
        "users", "add", "x", "--role", "boss", "--party", "JP", database_url=database_url
    )
    assert bad_role.returncode == 2
    assert "Traceback" not in bad_role.stderr
    missing = run("tokens", "revoke", "99999", database_url=database_url)
    assert (missing.returncode, missing.stderr) == (2, "error: No token 99999.\n")
    issued = run("tokens", "create", "jp-editor", database_url=database_url)
    assert issued.returncode == 0
    assert "ac_" in issued.stdout
