"""Reminders reach leads by e-mail: read from a real SMTP server on loopback (aiosmtpd)."""

import subprocess
from collections.abc import Callable, Mapping, Sequence
from email.message import Message

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from app.reminders.service import ITEMS_PER_MAIL
from tests.cli.test_cli import run
from tests.documents.test_sources import SECRET_QUOTE, take_in_private_statement
from tests.factories import make_commitment, make_contact
from tests.reminders.conftest import Inbox

Users = Callable[[str], TestClient]
LEAD = "lead@example.org"


def led(
    editor: TestClient,
    leads: Mapping[str, int],
    title: str,
    due: str,
    *,
    areas: Sequence[str] | None = None,
    document: str | None = None,
    quote: str | None = None,
) -> str:
    """A commitment of the leads' parties, led by them and due on `due`: its ref. Its quote
    is a sentence of its own unless told."""
    made = make_commitment(
        editor,
        title=title,
        parties=list(leads),
        due_date=due,
        leads=leads,
        areas=areas,
        document=document,
        quote=quote or f"The United States will {title.lower()}.",
    )
    return str(made["ref"])


def body_of(message: Message) -> tuple[str, str]:
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    return parts["text/plain"], parts["text/html"]


def run_reminders(
    url: str, at: str, port: int | None, *options: str, digest_weekday: int = 6, **env: str
) -> subprocess.CompletedProcess[str]:
    """A run of the reminders job against the SMTP server on `port` (none: SMTP unset); the
    weekly digest on Sundays unless told (the runs below are on Mondays)."""
    smtp = (
        {"COMMITMENTS_SMTP_HOST": "127.0.0.1", "COMMITMENTS_SMTP_PORT": str(port)} if port else {}
    )
    return run(
        "jobs",
        "run",
        "reminders",
        "--at",
        at,
        *options,
        database_url=url,
        COMMITMENTS_PUBLIC_URL="https://commitments.example",
        COMMITMENTS_DIGEST_WEEKDAY=str(digest_weekday),
        **smtp,
        **env,
    )


def reminders(url: str, at: str, port: int | None, *options: str, digest_weekday: int = 6) -> str:
    """A run that must succeed: what it printed."""
    done = run_reminders(url, at, port, *options, digest_weekday=digest_weekday)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_lead_gets_one_mail_for_what_falls_due_and_what_is_overdue_and_never_twice(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin, editor = as_user("admin"), as_user("us-editor")
    lead = make_contact(admin, name="Jane Doe", email=LEAD)
    silent = make_contact(admin, name="No Mail")
    soon = led(editor, {"US": lead}, "Open a liaison office", "2027-03-04")
    late = led(editor, {"US": lead}, "Name the liaison officers", "2027-02-19")
    later = led(editor, {"US": lead}, "Hold the first exercise", "2027-09-01")
    led(editor, {"US": silent}, "Staff the office", "2027-03-02")

    first = reminders(database_url, "2027-03-01T08:00:00Z", port)
    assert "mailed" in first
    mails = received.to(LEAD)
    assert len(mails) == 1
    plain, html = body_of(mails[0])
    assert soon in plain
    assert late in plain
    assert later not in plain
    assert "in 3 day(s)" in plain
    assert "10 day(s) overdue" in plain
    assert f"https://commitments.example/board/commitments/{soon}" in html
    assert "The United States will open a liaison office." in plain
    assert mails[0]["To"] == f"Jane Doe <{LEAD}>"

    # Another run the same day: nothing new to say.
    reminders(database_url, "2027-03-01T09:00:00Z", port)
    assert len(received.to(LEAD)) == 1

    # A week on: both are overdue, a mail again (weekly while overdue).
    reminders(database_url, "2027-03-08T08:00:00Z", port)
    assert len(received.to(LEAD)) == 2
    plain, _ = body_of(received.to(LEAD)[1])
    assert soon in plain
    assert late in plain


def test_a_dry_run_prints_the_mails_and_without_smtp_nothing_is_sent_or_recorded(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    lead = make_contact(as_user("admin"), name="Jane Doe", email=LEAD)
    ref = led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-04")
    printed = reminders(database_url, "2027-03-01T08:00:00Z", port, "--dry-run")
    assert ref in printed
    assert f"To: Jane Doe <{LEAD}>" in printed
    assert "no SMTP host" in reminders(database_url, "2027-03-01T09:00:00Z", None)
    assert received.to(LEAD) == []
    # Nothing was recorded as sent: once SMTP is set, the lead hears of it.
    reminders(database_url, "2027-03-01T10:00:00Z", port)
    assert len(received.to(LEAD)) == 1


def test_a_lead_is_told_only_of_what_their_party_may_see(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int], database: Database
) -> None:
    received, port = inbox
    rok_lead = make_contact(
        as_user("admin"), name="Kim Min-su", email="kim@example.kr", party="ROK"
    )
    rok = as_user("rok-editor")
    seen = led(rok, {"ROK": rok_lead}, "Brief the ROK lead", "2027-03-03")
    withdrawn = led(rok, {"ROK": rok_lead}, "Host the talks", "2027-03-03")
    # The register is changed behind the API: the ROK may no longer see the second one.
    with database.writer.begin() as connection:
        connection.execute(
            text(
                "DELETE FROM commitment_releasability WHERE commitment_id = "
                "(SELECT id FROM commitment WHERE ref = :ref)"
            ),
            {"ref": withdrawn},
        )
    reminders(database_url, "2027-03-01T08:00:00Z", port)
    mails = received.to("kim@example.kr")
    assert len(mails) == 1
    plain, _ = body_of(mails[0])
    assert seen in plain
    assert withdrawn not in plain


def test_the_weekly_digest_lists_all_a_lead_leads_once_and_leads_opt_out_by_kind(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin = as_user("admin")
    lead = make_contact(admin, name="Jane Doe", email=LEAD)
    users = admin.get("/api/v1/users").json()["items"]
    editor_id = next(u["id"] for u in users if u["name"] == "us-editor")
    editor = as_user("us-editor")
    assert editor.get("/api/v1/me/reminders").status_code == 409  # not a point of contact yet
    admin.patch(f"/api/v1/users/{editor_id}", json={"contact_id": lead})
    soon = led(editor, {"US": lead}, "Open a liaison office", "2027-03-04")
    later = led(editor, {"US": lead}, "Hold the first exercise", "2027-09-01")
    monday = 0
    reminders(database_url, "2027-03-01T08:00:00Z", port, digest_weekday=monday)
    (digest,) = received.to(LEAD)
    plain, _ = body_of(digest)
    assert soon in plain
    assert later in plain
    assert "in 3 day(s)" in plain  # the most pressing reason first
    reminders(database_url, "2027-03-01T09:00:00Z", port, digest_weekday=monday)
    assert len(received.to(LEAD)) == 1  # each occasion of the day is covered

    chosen = editor.put("/api/v1/me/reminders", json={"opt_out": ["digest", "due"]})
    assert chosen.status_code == 200
    assert chosen.json() == {"opt_out": ["digest", "due"]}
    assert editor.put("/api/v1/me/reminders", json={"opt_out": ["never"]}).status_code == 422
    reminders(database_url, "2027-03-02T08:00:00Z", port, digest_weekday=1)
    assert len(received.to(LEAD)) == 1  # neither the digest nor the reminder of a due date
    reminders(database_url, "2027-03-05T08:00:00Z", port)
    overdue = received.to(LEAD)[1]
    assert soon in body_of(overdue)[0]  # overdue reminders still come


def test_without_a_lead_to_mail_the_area_lead_of_the_party_is_reminded(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin = as_user("admin")
    area = admin.get("/api/v1/areas").json()["items"][0]["slug"]
    area_lead = make_contact(admin, name="Area Desk", email="area@example.org")
    silent = make_contact(admin, name="No Mail")
    assigned = admin.put(
        f"/api/v1/areas/{area}/leads", json={"leads": [{"party": "US", "contact_id": area_lead}]}
    )
    assert assigned.status_code == 200, assigned.text
    editor = as_user("us-editor")
    unled = make_commitment(editor, title="Map the ports", areas=[area], due_date="2027-03-03")[
        "ref"
    ]
    mailless = led(editor, {"US": silent}, "Chart the straits", "2027-03-03", areas=[area])
    reachable = make_contact(admin, name="Jane Doe", email=LEAD)
    own = led(editor, {"US": reachable}, "Survey the coast", "2027-03-03", areas=[area])
    reminders(database_url, "2027-03-01T08:00:00Z", port)
    (to_area,) = received.to("area@example.org")
    plain, _ = body_of(to_area)
    assert unled in plain
    assert mailless in plain
    assert own not in plain  # its own lead is told instead
    assert own in body_of(received.to(LEAD)[0])[0]


def test_records_of_mailed_reminders_are_pruned_only_once_they_can_no_longer_matter(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int], database: Database
) -> None:
    received, port = inbox
    lead = make_contact(as_user("admin"), name="Jane Doe", email=LEAD)
    led(as_user("us-editor"), {"US": lead}, "Open a liaison office", "2027-03-20")
    reminders(database_url, "2027-03-08T08:00:00Z", port)  # due in 12 days

    def records() -> int:
        with database.reader.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM reminder_sent")).scalar_one())

    mailed = records()  # the due date's reminder, and it is already stale
    assert mailed >= 1
    seven = {"COMMITMENTS_RETENTION_DAYS": "7"}
    # A week on, the record still stops a second mail for the 14-day window: it stays.
    kept = run(
        "jobs", "run", "prune", "--at", "2027-03-15T00:00:00Z", database_url=database_url, **seven
    )
    assert "0 reminder record(s)" in kept.stdout
    reminders(database_url, "2027-03-15T08:00:00Z", port)
    later = received.to(LEAD)[1:]
    assert all("in 5 day(s)" not in body_of(mail)[0] for mail in later)  # 14-day window: done
    before = len(received.to(LEAD))
    pruned = run(
        "jobs", "run", "prune", "--at", "2027-06-01T00:00:00Z", database_url=database_url, **seven
    )
    assert "reminder record(s)" in pruned.stdout
    assert records() == 0
    assert len(received.to(LEAD)) == before


def test_a_long_mail_lists_the_most_pressing_first_and_the_rest_go_at_later_runs(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    editor = as_user("us-editor")
    lead = make_contact(as_user("admin"), name="Jane Doe", email=LEAD)
    late = led(editor, {"US": lead}, "Name the liaison officers", "2027-02-19")
    due = [led(editor, {"US": lead}, f"Task {n}", "2027-03-04") for n in range(ITEMS_PER_MAIL + 1)]
    reminders(database_url, "2027-03-01T08:00:00Z", port)
    (first,) = received.to(LEAD)
    plain, html = body_of(first)
    assert first["Subject"] == f"{ITEMS_PER_MAIL + 2} commitments you lead need attention"
    listed = [line for line in plain.splitlines() if line.startswith("- ")]
    assert len(listed) == ITEMS_PER_MAIL
    assert listed[0].startswith(f"- {late}:")  # the overdue one before those falling due
    assert "And 2 more you lead, on the board:" in plain
    assert f"https://commitments.example/board/register?lead={lead}" in html

    reminders(database_url, "2027-03-01T09:00:00Z", port)
    second = received.to(LEAD)[1]
    rest = [line for line in body_of(second)[0].splitlines() if line.startswith("- ")]
    assert len(rest) == 2
    assert "more you lead" not in body_of(second)[0]
    told = {line.split(":")[0][2:] for line in listed + rest}
    assert told == {late, *due}  # each once, none left out


def test_a_lead_is_not_quoted_a_statement_their_party_may_not_read(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin, rok = as_user("admin"), as_user("rok-editor")
    jp_lead = make_contact(admin, name="Sato Hana", email="sato@example.jp", party="JP")
    rok_lead = make_contact(admin, name="Kim Min-su", email="kim@example.kr", party="ROK")
    slug = take_in_private_statement(rok)["document"]["slug"]
    ref = led(
        rok,
        {"JP": jp_lead, "ROK": rok_lead},
        "Coordinate the deployment",
        "2027-03-03",
        document=slug,
        quote=SECRET_QUOTE,
    )
    reminders(database_url, "2027-03-01T08:00:00Z", port)
    (to_jp,) = received.to("sato@example.jp")
    (to_rok,) = received.to("kim@example.kr")
    for part in body_of(to_jp):
        assert ref in part
        assert "Haemosu" not in part
    assert all(SECRET_QUOTE in part for part in body_of(to_rok))
