"""Board clients: a browser-like TestClient signed in through the sign-in form."""

import re
from collections.abc import Callable, Iterator

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TOKENS

TICKET = re.compile(r'name="ticket" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/board/sign-in")
    ticket = TICKET.search(form.text)
    assert ticket, form.text
    answer = client.post(
        "/board/sign-in",
        data={"token": token, "ticket": ticket.group(1), "next": "/board/work"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/board/work"


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form token"
    return found.group(1)


def form_of(page: str, action: str, **changed: str) -> dict[str, list[str]]:
    """What a browser sends from the page's form with that action, with the fields the
    officer changed."""
    (form,) = lxml.html.fromstring(page).xpath("//form[@action=$action]", action=action)
    sent: dict[str, list[str]] = {}
    for name, value in form.form_values():
        sent.setdefault(name, []).append(value)
    return sent | {name: [value] for name, value in changed.items()}


@pytest.fixture
def board(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """Browsers signed in to the board as one of the test users, by name."""
    clients: list[TestClient] = []

    def signed_in_as(name: str) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        sign_in(client, TOKENS[name])
        return client

    yield signed_in_as
    for client in clients:
        client.__exit__(None, None, None)
