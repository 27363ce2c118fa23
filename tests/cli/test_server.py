"""`commitments serve` started while the database is down: it listens all the same, and
answers as during any outage until the database is back."""

import httpx

from tests.live_server import free_port, live_server


def test_a_server_started_while_its_database_is_down_listens_and_answers_503() -> None:
    nothing_there = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/absent"
    with live_server(nothing_there) as (url, process):
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/readyz").status_code == 503
        answer = httpx.get(
            f"{url}/api/v1/commitments", headers={"Authorization": "Bearer ac_unknown"}
        )
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"].endswith("problem/database-unavailable")
        assert "retry-after" in answer.headers
        output = process.stop()
    assert "warning: the database is unavailable" in output
    assert "Traceback" not in output
