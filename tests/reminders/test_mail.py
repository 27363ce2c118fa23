"""Reminders over SMTP servers that insist on TLS and a login, that refuse a recipient, and
that fail in the middle of a run: read from real servers on loopback (aiosmtpd)."""

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import text

from app.core.db import Database
from tests.factories import make_contact
from tests.live_server import free_port
from tests.reminders.conftest import Inbox
from tests.reminders.test_reminders import LEAD, Users, body_of, led, run_reminders

AT = "2027-03-01T08:00:00Z"


class Logins:
    """An authenticator that takes one user and remembers every login it was offered."""

    def __init__(self) -> None:
        self.offered: list[tuple[bytes, bytes]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.offered.append((data.login, data.password))
        accepted = (data.login, data.password) == (b"desk", b"s3cret")
        return AuthResult(success=accepted, handled=False)


@pytest.fixture
def authority(tmp_path: Path) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return ca, bundle


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def guarded(authority: tuple[trustme.CA, Path]) -> Iterator[tuple[Inbox, Logins, int]]:
    """A server that takes mail only over STARTTLS and after a login."""
    inbox, logins, port = Inbox(), Logins(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(authority[0]),
        require_starttls=True,
        auth_required=True,
        authenticator=logins,
    )
    controller.start()
    yield inbox, logins, port
    controller.stop()


def test_starttls_verifies_the_server_and_the_login_is_sent_only_inside_tls(
    as_user: Users,
    database_url: str,
    guarded: tuple[Inbox, Logins, int],
    authority: tuple[trustme.CA, Path],
) -> None:
    inbox, logins, port = guarded
    lead = make_contact(as_user("admin"), name="Jane Doe", email=LEAD)
    ref = led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-04")
    login = {"COMMITMENTS_SMTP_USERNAME": "desk", "COMMITMENTS_SMTP_PASSWORD": "s3cret"}

    # A password is never configured for a plain connection.
    plain = run_reminders(database_url, AT, port, **login)
    assert plain.returncode == 2
    assert "COMMITMENTS_SMTP_STARTTLS" in plain.stderr
    assert "Traceback" not in plain.stderr

    # A server whose certificate the system does not trust is not given the password.
    untrusted = run_reminders(database_url, AT, port, COMMITMENTS_SMTP_STARTTLS="true", **login)
    assert untrusted.returncode == 2
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert logins.offered == []
    assert inbox.messages == []

    wrong = {**login, "COMMITMENTS_SMTP_PASSWORD": "guess"}
    tls = {"COMMITMENTS_SMTP_STARTTLS": "true", "COMMITMENTS_SMTP_CA_FILE": str(authority[1])}
    refused = run_reminders(database_url, "2027-03-01T08:01:00Z", port, **tls, **wrong)
    assert refused.returncode == 2
    assert "SMTPAuthenticationError" in refused.stderr
    assert len(logins.offered) == 2  # PLAIN, then LOGIN, each once: not retried

    done = run_reminders(database_url, "2027-03-01T08:02:00Z", port, **tls, **login)
    assert done.returncode == 0, done.stderr
    assert "mailed 1 lead(s)" in done.stdout
    (mail,) = inbox.to(LEAD)
    assert ref in body_of(mail)[0]
    assert logins.offered[-1] == (b"desk", b"s3cret")


def test_tls_from_the_first_byte(
    as_user: Users, database_url: str, authority: tuple[trustme.CA, Path]
) -> None:
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, ssl_context=server_context(authority[0])
    )
    controller.start()
    try:
        lead = make_contact(as_user("admin"), name="Jane Doe", email=LEAD)
        ref = led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-04")
        tls = {"COMMITMENTS_SMTP_SSL": "true", "COMMITMENTS_SMTP_CA_FILE": str(authority[1])}
        done = run_reminders(database_url, AT, port, **tls)
        assert done.returncode == 0, done.stderr
        assert ref in body_of(inbox.to(LEAD)[0])[0]
    finally:
        controller.stop()


class Fickle(Inbox):
    """Refuses one recipient for good, and can stop taking mail for a while."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused
        self.accepting = 1_000

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.accepting <= 0:
            return "451 4.3.0 Try again later"
        self.accepting -= 1
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def fickle() -> Iterator[tuple[Fickle, int]]:
    handler, port = Fickle(refused="gone@example.org"), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_a_refused_recipient_does_not_stop_the_others_and_is_tried_again_next_run(
    as_user: Users, database_url: str, fickle: tuple[Fickle, int]
) -> None:
    server, port = fickle
    admin, editor = as_user("admin"), as_user("us-editor")
    gone = make_contact(admin, name="Gone", email="gone@example.org")
    here = make_contact(admin, name="Jane Doe", email=LEAD)
    led(editor, {"US": gone}, "Open a liaison office", "2027-03-04")
    ref = led(editor, {"US": here}, "Name the officers", "2027-03-04")
    done = run_reminders(database_url, AT, port)
    assert done.returncode == 0, done.stderr
    assert "mailed 1 lead(s)" in done.stdout
    assert "gone@example.org (gone@example.org: 550 5.1.1 No such mailbox)" in done.stdout
    assert ref in body_of(server.to(LEAD)[0])[0]
    again = run_reminders(database_url, "2027-03-01T09:00:00Z", port)
    assert "mailed 0 lead(s)" in again.stdout
    assert "gone@example.org" in again.stdout  # not recorded as sent: tried again
    assert len(server.to(LEAD)) == 1


def test_a_server_failing_mid_run_stops_it_and_the_next_run_mails_only_the_rest(
    as_user: Users, database_url: str, fickle: tuple[Fickle, int]
) -> None:
    server, port = fickle
    admin, editor = as_user("admin"), as_user("us-editor")
    leads = [make_contact(admin, name=f"Lead {n}", email=f"lead{n}@example.org") for n in range(3)]
    for n, lead in enumerate(leads):
        led(editor, {"US": lead}, f"Task {n}", "2027-03-04")
    server.accepting = 1
    failed = run_reminders(database_url, AT, port)
    assert failed.returncode == 2
    assert "mailed 1 of 3, then the SMTP server failed" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert len(server.messages) == 1
    (first,) = server.messages[0][0]

    server.accepting = 1_000
    done = run_reminders(database_url, "2027-03-01T09:00:00Z", port)
    assert done.returncode == 0, done.stderr
    assert "mailed 2 lead(s)" in done.stdout
    received = [address for recipients, _ in server.messages for address in recipients]
    assert sorted(received) == [f"lead{n}@example.org" for n in range(3)]  # none twice
    assert received.count(first) == 1


def _stored_as(database: Database, contact_id: int, **columns: str) -> None:
    """A contact's columns written straight to the database, as a row stored before names
    had to be single lines."""
    assignments = ", ".join(f"{column} = :{column}" for column in columns)
    with database.writer.begin() as connection:
        connection.execute(
            text(f"UPDATE contact SET {assignments} WHERE id = :id"),
            {"id": contact_id, **columns},
        )


def test_a_name_or_an_address_no_header_can_carry_does_not_stop_the_others(
    as_user: Users, database_url: str, database: Database, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin, editor = as_user("admin"), as_user("us-editor")
    broken = make_contact(admin, name="Eve", email="eve@example.org")
    unaddressable = make_contact(admin, name="Mallory", email="mallory@example.org")
    here = make_contact(admin, name="Jane Doe", email=LEAD)
    _stored_as(database, broken, name="Eve\r\nBcc: spy@attacker.example\r\n")
    _stored_as(database, unaddressable, email="mallory@example.org\r\nBcc: spy@attacker.example")
    led(editor, {"US": broken}, "Open a liaison office", "2027-03-04")
    led(editor, {"US": unaddressable}, "Staff the office", "2027-03-04")
    ref = led(editor, {"US": here}, "Name the officers", "2027-03-04")

    done = run_reminders(database_url, AT, port)
    assert done.returncode == 0, done.stderr
    assert "mailed 2 lead(s)" in done.stdout
    assert f"contact {unaddressable} <mallory@example.org  Bcc: spy@attacker.example>" in (
        done.stdout
    )
    assert ref in body_of(received.to(LEAD)[0])[0]
    (to_eve,) = received.to("eve@example.org")
    assert [(a.display_name, a.addr_spec) for a in to_eve["To"].addresses] == [
        ("Eve  Bcc: spy@attacker.example", "eve@example.org")
    ]
    assert "Bcc" not in to_eve
    plain, _ = body_of(to_eve)
    assert plain.splitlines()[0] == "Dear Eve  Bcc: spy@attacker.example,"
    everyone = [address for recipients, _ in received.messages for address in recipients]
    assert sorted(everyone) == ["eve@example.org", LEAD]


def test_a_long_display_name_with_commas_and_an_address_in_it_stays_one_quoted_name(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    name = "Security Desk, attention: spy@attacker.example, forward this to the alliance team"
    lead = make_contact(as_user("admin"), name=name, email=LEAD)
    led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-04")
    done = run_reminders(database_url, AT, port)
    assert done.returncode == 0, done.stderr
    (mail,) = received.to(LEAD)
    assert [(a.display_name, a.addr_spec) for a in mail["To"].addresses] == [(name, LEAD)]
    assert [recipients for recipients, _ in received.messages] == [[LEAD]]


@pytest.fixture
def ascii_only() -> Iterator[tuple[Inbox, int]]:
    """A server without SMTPUTF8 (RFC 6531): it cannot take a mailbox of Korean letters."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    controller.start()
    yield handler, port
    controller.stop()


def test_an_address_one_server_cannot_take_does_not_stop_the_others_and_goes_by_another(
    as_user: Users, database_url: str, ascii_only: tuple[Inbox, int], inbox: tuple[Inbox, int]
) -> None:
    (plain_server, plain_port), (received, port) = ascii_only, inbox
    admin, editor = as_user("admin"), as_user("us-editor")
    korean = make_contact(admin, name="김민수", email="민수@example.kr", party="ROK")
    here = make_contact(admin, name="Jane Doe", email=LEAD)
    led(as_user("rok-editor"), {"ROK": korean}, "Brief the desk", "2027-03-04")
    led(editor, {"US": here}, "Name the officers", "2027-03-04")

    done = run_reminders(database_url, AT, plain_port)
    assert done.returncode == 0, done.stderr
    assert "mailed 1 lead(s)" in done.stdout
    assert "refused by the server, tried again next run: 민수@example.kr" in done.stdout
    assert [recipients for recipients, _ in plain_server.messages] == [[LEAD]]

    again = run_reminders(database_url, "2027-03-01T09:00:00Z", port)
    assert "mailed 1 lead(s)" in again.stdout
    (mail,) = received.to("민수@example.kr")
    # Its headers came as UTF-8 (RFC 6532), which the parser keeps as escaped bytes.
    (to,) = mail["To"].addresses
    utf8 = [
        part.encode("ascii", "surrogateescape").decode() for part in (to.display_name, to.addr_spec)
    ]
    assert utf8 == ["김민수", "민수@example.kr"]
