from collections.abc import Iterator
from typing import Protocol

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.client import CommitmentsClient, RetryPolicy
from tests.conftest import TOKENS


class RetryingClients(Protocol):
    def __call__(
        self, transport: httpx.BaseTransport, token: str = "us-editor"
    ) -> tuple[CommitmentsClient, list[float]]: ...


@pytest.fixture
def retrying_client() -> Iterator[RetryingClients]:
    """A client over `transport` that retries quickly and records the delays it would have
    slept, closed after the test."""
    made: list[CommitmentsClient] = []

    def make(
        transport: httpx.BaseTransport, token: str = "us-editor"
    ) -> tuple[CommitmentsClient, list[float]]:
        delays: list[float] = []
        client = CommitmentsClient(
            "http://testserver",
            TOKENS[token],
            transport=transport,
            retry=RetryPolicy(retries=3, backoff=0.01),
            sleep=delays.append,
        )
        made.append(client)
        return client, delays

    yield make
    for client in made:
        client.close()


class Recording(httpx.BaseTransport):
    """Passes requests on to the application, keeping each one."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.requests = inner, list[httpx.Request]()

    @property
    def sent(self) -> int:
        return len(self.requests)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)


@pytest.fixture
def recorded(app: FastAPI) -> Iterator[tuple[CommitmentsClient, Recording]]:
    """A U.S. editor's client on the application, every request it sends kept."""
    with TestClient(app) as http:
        transport = Recording(http._transport)
        with CommitmentsClient(
            "http://testserver", TOKENS["us-editor"], transport=transport
        ) as client:
            yield client, transport
