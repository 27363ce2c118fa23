"""The request's session: more requests than threads never starve the connection pool."""

import asyncio

import httpx

from tests.conftest import bearer
from tests.live_server import live_server


async def _many_at_once(url: str, paths: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=url, headers=bearer("us-editor"), timeout=60) as client:
        answers = await asyncio.gather(*(client.get(path) for path in paths))
    return [answer.status_code for answer in answers]


def test_more_requests_than_threads_all_get_a_connection(database_url: str) -> None:
    # One thread and a pool of five connections: a request holding a connection must never
    # wait behind requests that wait for a connection.
    paths = [f"/api/v1/commitments?limit={n}" for n in range(1, 25)]
    with live_server(
        database_url,
        COMMITMENTS_WORKER_THREADS="1",
        COMMITMENTS_POOL_TIMEOUT_SECONDS="1",
        COMMITMENTS_RESPONSE_CACHE_MB="0",
    ) as (url, _):
        assert asyncio.run(_many_at_once(url, paths)) == [200] * len(paths)
