"""Webhooks stay outside: no endpoint inside the server's networks, at registration or at
connection time, unless an operator allowed its network; failures told only by class; and
nothing sent or redelivered that the endpoint's party no longer sees."""

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.core.config import Settings
from app.core.db import Database
from app.core.job_context import JobContext
from app.main import create_app
from app.webhooks import send_webhooks
from tests.conftest import signed_in
from tests.factories import make_commitment
from tests.webhooks.test_webhooks import KEY, LOOPBACK, Receiver, deliver, receiver, register

__all__ = ["receiver"]  # the fixture, used here too

PUBLIC = "93.184.215.14"


class Names:
    """A resolver the test steers: each name resolves to the addresses it is given."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int, timeout: float | None) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError("no such name")
        return self.table[host]


@pytest.fixture
def names() -> Names:
    return Names()


def app_with(settings: Settings, names: Names, allowed: list[str]) -> FastAPI:
    networks = [ipaddress.ip_network(network) for network in allowed]
    app = create_app(
        settings.model_copy(
            update={"webhook_key": SecretStr(KEY), "webhook_allowed_networks": networks}
        )
    )
    app.state.resolve = names
    return app


@pytest.fixture
def strict(settings: Settings, names: Names) -> Iterator[Callable[[str], TestClient]]:
    """The API with no network allowed: webhooks go only to public addresses."""
    with signed_in(app_with(settings, names, [])) as client_for:
        yield client_for


@pytest.fixture
def allowing(settings: Settings, names: Names) -> Iterator[Callable[[str], TestClient]]:
    """The API with loopback allowed, as the tests' receivers need."""
    with signed_in(app_with(settings, names, [str(LOOPBACK)])) as client_for:
        yield client_for


def job(database: Database, settings: Settings, names: Names, at: str, allowed: list[str]) -> str:
    """The webhooks job in this process, resolving through `names`."""
    networks = [ipaddress.ip_network(network) for network in allowed]
    context = JobContext(
        database=database,
        settings=settings.model_copy(
            update={"webhook_key": SecretStr(KEY), "webhook_allowed_networks": networks}
        ),
        now=datetime.fromisoformat(at).astimezone(UTC),
        dry_run=False,
        echo=print,
    )
    return send_webhooks(context, resolve=names)


REFUSED_ADDRESSES = [
    "https://127.0.0.1/",
    "https://127.1.2.3:8443/",
    "https://2130706433/",  # 127.0.0.1, written as one number
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "https://[::ffff:169.254.169.254]/",
    "https://10.0.0.5/",
    "https://172.16.3.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[fd00:ec2::254]/",  # cloud metadata over IPv6
    "https://[fe80::1]/",
    "https://[fc00::1]/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://224.0.0.1/",
    "https://[ff02::1]/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
]
REFUSED_NAMES = [
    "https://localhost/",
    "https://localhost./",
    "https://api.localhost/",
    "https://receiver/",  # a single label, searched in the local domains
    "https://printer.local/",
    "https://db.internal/",
    "https://metadata.example.org/",  # resolves to 169.254.169.254
    "https://split.example.org/",  # one public address, one private
    "https://mapped.example.org/",  # resolves to ::ffff:10.0.0.1
]
STEERED = {
    "localhost": ["127.0.0.1"],
    "receiver": ["10.0.0.7"],
    "metadata.example.org": ["169.254.169.254"],
    "split.example.org": [PUBLIC, "10.1.2.3"],
    "mapped.example.org": ["::ffff:10.0.0.1"],
    "hooks.example.org": [PUBLIC],
}


@pytest.mark.parametrize("url", REFUSED_ADDRESSES + REFUSED_NAMES)
def test_registration_refuses_internal_addresses_and_names(
    strict: Callable[[str], TestClient], names: Names, url: str
) -> None:
    names.table = dict(STEERED)
    admin = strict("admin")
    refused = admin.post("/api/v1/webhooks", json={"url": url, "party": "US"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    detail = refused.json()["detail"]
    assert "not sent to this URL" in detail
    assert "10.1.2.3" not in detail  # what a name resolves to is not told
    assert admin.get("/api/v1/webhooks").json()["items"] == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://user:secret@hooks.example.org/", "credentials"),
        ("https://token@hooks.example.org/", "credentials"),
        (f"http://{PUBLIC}/", "plain http"),
        ("http://hooks.example.org/", "plain http"),
        ("https://127.0.0.1/", "loopback"),
        ("https://169.254.169.254/", "link-local"),
        ("https://localhost/", "internal name"),
        (f"https://{'a' * 64}.example.org/", "not a valid host name"),
    ],
)
def test_a_refusal_says_why(
    strict: Callable[[str], TestClient], names: Names, url: str, why: str
) -> None:
    names.table = dict(STEERED)
    refused = strict("admin").post("/api/v1/webhooks", json={"url": url, "party": "US"})
    assert refused.status_code == 422, refused.text
    assert why in refused.json()["detail"]


def test_https_to_a_public_name_is_registered_and_one_not_resolving_yet_too(
    strict: Callable[[str], TestClient], names: Names
) -> None:
    names.table = dict(STEERED)
    admin = strict("admin")
    register(admin, "https://hooks.example.org/commitments", "US")
    register(admin, f"https://{PUBLIC}:8443/", "US")
    register(admin, "https://not-yet.example.org/", "US")  # checked again on each connection
    assert len(admin.get("/api/v1/webhooks").json()["items"]) == 3


def test_the_allow_list_admits_its_network_over_http_and_nothing_beside_it(
    allowing: Callable[[str], TestClient], names: Names
) -> None:
    names.table = {"hooks.corp.example.org": ["127.0.0.1"], "other.corp.example.org": ["10.0.0.9"]}
    admin = allowing("admin")
    register(admin, "http://127.0.0.1:9000/hook", "US")
    register(admin, "http://hooks.corp.example.org:9000/hook", "US")
    for url in ("http://127.0.0.2/", "http://other.corp.example.org/", "https://10.0.0.9/"):
        refused = admin.post("/api/v1/webhooks", json={"url": url, "party": "US"})
        assert refused.status_code == 422, (url, refused.text)


def test_a_name_that_resolves_inside_after_registration_is_not_posted_to(
    strict: Callable[[str], TestClient],
    names: Names,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    port = receiver.server.server_address[1]
    names.table = {"hooks.example.org": [PUBLIC]}
    admin = strict("admin")
    hook = register(admin, f"https://hooks.example.org:{port}/hook", "US")["webhook"]
    make_commitment(strict("us-editor"), title="Open")
    names.table = {"hooks.example.org": ["127.0.0.1"]}  # the name now points inside
    ran = job(database, settings, names, "2027-01-01T00:00:00+00:00", allowed=[])
    assert "0 delivered, 1 failed" in ran
    assert receiver.received == []
    assert "hooks.example.org" in names.asked
    (entry,) = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert (entry["state"], entry["last_error"], entry["last_status"]) == (
        "pending",
        "refused by policy",
        None,
    )


def test_a_name_is_resolved_once_and_posted_to_at_the_checked_address_under_its_own_name(
    allowing: Callable[[str], TestClient],
    names: Names,
    receiver: Receiver,
    database: Database,
    settings: Settings,
) -> None:
    port = receiver.server.server_address[1]
    names.table = {"hooks.corp.example.org": ["127.0.0.1"]}
    register(allowing("admin"), f"http://hooks.corp.example.org:{port}/hook", "US")
    make_commitment(allowing("us-editor"), title="Open")
    names.asked.clear()
    ran = job(database, settings, names, "2027-01-01T00:00:00+00:00", allowed=[str(LOOPBACK)])
    assert "1 delivered, 0 failed" in ran
    ((headers, _),) = receiver.received
    assert headers["Host"] == f"hooks.corp.example.org:{port}"
    assert names.asked == ["hooks.corp.example.org"]  # no second look-up to connect


def test_the_allow_list_is_checked_again_when_sending(
    allowing: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    admin = allowing("admin")
    hook = register(admin, receiver.url, "US")["webhook"]
    make_commitment(allowing("us-editor"), title="Open")
    assert "0 delivered, 1 failed" in deliver(database_url, "2027-01-01T00:00:00Z", allowed="[]")
    assert receiver.received == []
    (entry,) = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert entry["last_error"] == "refused by policy"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def open_port() -> Iterator[int]:
    """A port that accepts connections, answers something other than HTTP and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()


def test_an_open_port_and_a_closed_one_fail_alike(
    allowing: Callable[[str], TestClient], open_port: int, database_url: str
) -> None:
    admin = allowing("admin")
    hooks = [
        register(admin, f"http://127.0.0.1:{port}/hook", "US")["webhook"]
        for port in (open_port, closed_port())
    ]
    make_commitment(allowing("us-editor"), title="Open")
    assert "0 delivered, 2 failed" in deliver(database_url, "2027-01-01T00:00:00Z")
    logged = [
        admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0] for hook in hooks
    ]
    assert [(e["last_error"], e["last_status"]) for e in logged] == [
        ("connection failed", None),
        ("connection failed", None),
    ]


def test_what_the_party_no_longer_sees_is_neither_sent_nor_redelivered(
    allowing: Callable[[str], TestClient], receiver: Receiver, database_url: str
) -> None:
    admin = allowing("admin")
    hook = register(admin, receiver.url, "ROK", events=["commitment.created"])["webhook"]
    editor = allowing("us-editor")
    refs = [
        make_commitment(editor, title=title, releasable_to=["US", "ROK"])["ref"]
        for title in ("Failed once", "Delivered")
    ]
    receiver.answers = [500]
    assert "1 delivered, 1 failed" in deliver(database_url, "2027-01-01T00:00:00Z")
    log = f"/api/v1/webhooks/{hook['id']}/deliveries"
    # One waits for a retry, one was delivered.
    ids = {e["ref"]: e["id"] for e in admin.get(log).json()["items"]}
    for ref in refs:
        current = admin.get(f"/api/v1/commitments/{ref}")
        narrowed = admin.patch(
            f"/api/v1/commitments/{ref}",
            json={"releasable_to": ["US"]},
            headers={"If-Match": current.headers["ETag"]},
        )
        assert narrowed.status_code == 200, narrowed.text
    sent = len(receiver.received)
    assert "0 delivered, 0 failed" in deliver(database_url, "2027-01-01T00:05:00Z")
    assert len(receiver.received) == sent
    states = {e["ref"]: (e["state"], e["attempts"]) for e in admin.get(log).json()["items"]}
    assert states == {refs[0]: ("withheld", 1), refs[1]: ("delivered", 1)}
    for ref in refs:
        again = admin.post(f"{log}/{ids[ref]}/redeliver")
        assert again.status_code == 404, again.text
    deliver(database_url, "2027-01-01T00:10:00Z")
    assert len(receiver.received) == sent


def test_no_endpoint_is_registered_for_an_outside_party(
    strict: Callable[[str], TestClient], names: Names
) -> None:
    names.table = dict(STEERED)
    admin = strict("admin")
    refused = admin.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.org/commitments", "party": "CN"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "outside party" in refused.json()["detail"]
    assert admin.get("/api/v1/webhooks").json()["items"] == []
