"""Each party's weekly digest, and mails in the recipient's language: read from a real SMTP
server on loopback (aiosmtpd)."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import Database
from tests.factories import make_commitment, make_contact
from tests.reminders.conftest import Inbox
from tests.reminders.test_reminders import (
    LEAD,
    Users,
    body_of,
    led,
    reminders,
)

DESK = "us-desk@example.org"
MONDAY = 0


def set_party(admin: TestClient, code: str, **fields: object) -> dict[str, object]:
    response = admin.patch(f"/api/v1/parties/{code}", json=fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_party_gets_a_weekly_digest_of_what_it_owes_once_a_week(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin, editor = as_user("admin"), as_user("us-editor")
    lead = make_contact(admin, name="Jane Doe", email=LEAD)
    late = led(editor, {"US": lead}, "Name the liaison officers", "2027-02-19")
    soon = led(editor, {"US": lead}, "Open a liaison office", "2027-03-04")
    unled = make_commitment(editor, title="Map the ports", due_date="2027-09-01")["ref"]
    hidden = make_commitment(editor, title="Not for the ROK", releasable_to=["US"])["ref"]
    rok_only = make_commitment(as_user("rok-editor"), title="Host the talks", parties=["ROK"])
    assert set_party(admin, "US", digest_email=DESK)["digest_email"] == DESK

    # Not the digest day: no digest.
    reminders(database_url, "2027-03-02T08:00:00Z", port, digest_weekday=MONDAY)
    assert received.to(DESK) == []

    reminders(database_url, "2027-03-08T08:00:00Z", port, digest_weekday=MONDAY)
    (digest,) = received.to(DESK)
    plain, html = body_of(digest)
    assert "US commitments, week 2027-W10" in digest["Subject"]
    assert "overdue" in digest["Subject"]
    counted, *rest = plain.split("Overdue (")[1].splitlines()
    lines = rest[: rest.index("")]
    overdue = "\n".join(lines)
    assert int(counted.rstrip(")")) == len(lines)  # the heading counts what it lists
    assert f"{len(lines)} overdue" in digest["Subject"]
    assert late in overdue
    assert soon in overdue
    assert "leads: Jane Doe" in overdue
    unled_section = plain.split("Without a lead (")[1]
    assert unled in unled_section
    assert hidden in plain  # the US may see it: it is the US's own
    assert rok_only["ref"] not in plain  # the US does not owe it
    assert f"https://commitments.example/board/commitments/{late}" in html
    assert digest["Content-Language"] == "en"

    reminders(database_url, "2027-03-08T09:00:00Z", port, digest_weekday=MONDAY)
    assert len(received.to(DESK)) == 1  # once a week
    reminders(database_url, "2027-03-15T08:00:00Z", port, digest_weekday=MONDAY)
    assert len(received.to(DESK)) == 2

    set_party(admin, "US", digest_email=None)
    reminders(database_url, "2027-03-22T08:00:00Z", port, digest_weekday=MONDAY)
    assert len(received.to(DESK)) == 2


def test_a_party_digest_never_shows_what_the_party_may_not_see(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int], database: Database
) -> None:
    received, port = inbox
    rok = as_user("rok-editor")
    shared = make_commitment(rok, title="Exchange plans", parties=["ROK"])
    withdrawn = make_commitment(rok, title="Brief the NA", parties=["ROK"])
    # The register is changed behind the API: the ROK may no longer see the second one.
    with database.writer.begin() as connection:
        connection.execute(
            text(
                "DELETE FROM commitment_releasability WHERE commitment_id = "
                "(SELECT id FROM commitment WHERE ref = :ref)"
            ),
            {"ref": withdrawn["ref"]},
        )
    set_party(as_user("admin"), "ROK", digest_email="rok-desk@example.kr", language="ko")
    reminders(database_url, "2027-03-08T08:00:00Z", port, digest_weekday=MONDAY)
    (digest,) = received.to("rok-desk@example.kr")
    plain, _ = body_of(digest)
    assert shared["ref"] in plain
    assert withdrawn["ref"] not in plain
    assert "Brief the NA" not in plain
    assert "ROK 약속 주간 요약 (2027-W10)" in digest["Subject"]  # in the party's language
    assert digest["Content-Language"] == "ko"


def test_a_lead_is_written_to_in_their_language_and_english_by_default(
    as_user: Users, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    admin = as_user("admin")
    kim = make_contact(admin, name="김민수", email="kim@example.kr", party="ROK", language="ko")
    sato = make_contact(admin, name="佐藤", email="sato@example.jp", party="JP", language="ja")
    jane = make_contact(admin, name="Jane Doe", email=LEAD)
    for party, lead, user in (
        ("ROK", kim, "rok-editor"),
        ("JP", sato, "admin"),
        ("US", jane, "us-editor"),
    ):
        led(as_user(user), {party: lead}, f"Brief the {party} desk", "2027-03-04")
    reminders(database_url, "2027-03-01T08:00:00Z", port)

    (korean,) = received.to("kim@example.kr")
    plain, html = body_of(korean)
    assert korean["Subject"] == "담당하신 약속 1건에 확인이 필요합니다"
    assert "김민수 님께," in plain
    assert "마감 2027-03-04, 3일 남음" in plain
    assert 'lang="ko"' in html
    (japanese,) = received.to("sato@example.jp")
    assert "期限 2027-03-04（残り3日）" in body_of(japanese)[0]  # noqa: RUF001
    (english,) = received.to(LEAD)
    assert english["Subject"] == "1 commitment you lead needs attention"
    assert english["Content-Language"] == "en"

    # The language is the contact's, changed like its other fields.
    current = admin.get(f"/api/v1/contacts/{jane}")
    assert current.json()["language"] is None
    changed = admin.patch(
        f"/api/v1/contacts/{jane}",
        json={"language": "ko"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "ko"
    refused = admin.patch(
        f"/api/v1/contacts/{jane}",
        json={"language": "tlh"},
        headers={"If-Match": changed.headers["ETag"]},
    )
    assert refused.status_code == 422
