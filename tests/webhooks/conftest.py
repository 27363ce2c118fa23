import ipaddress
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.core.config import Settings
from app.main import create_app
from tests.conftest import signed_in
from tests.jobs.workers import spawn  # noqa: F401  (fixtures)
from tests.webhooks.receivers import counting_receiver  # noqa: F401

KEY = "test-webhook-key"
# The receivers listen on loopback: the allow-list lets webhooks reach them.
LOOPBACK = ipaddress.ip_network("127.0.0.1/32")


@pytest.fixture
def keyed_app(settings: Settings) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={"webhook_key": SecretStr(KEY), "webhook_allowed_networks": [LOOPBACK]}
        )
    )


@pytest.fixture
def api(keyed_app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    with signed_in(keyed_app) as client_for:
        yield client_for
