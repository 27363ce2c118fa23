import logging

from fastapi.testclient import TestClient

from tests.conftest import TOKENS


def test_tokens_never_reach_a_log_line(client: TestClient, caplog) -> None:
    token = TOKENS["us-viewer"]
    feed = client.post("/api/v1/me/calendar-token").json()["token"]["token"]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1",
            "GET",
            f"/api/v1/calendar.ics?token={feed}",
            "1.1",
            200,
        )
        logging.getLogger("uvicorn.error").warning("bad header Authorization: Bearer %s", token)
        client.get("/api/v1/commitments", headers={"Authorization": f"Bearer {token}"})
    assert caplog.records
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in text
    assert feed not in text
    assert "token=[redacted]" in text
