"""The records of mailed reminders and digests gain their claims going up and keep what was
sent both ways; a claim still held is dropped going down (its mail was never sent)."""

from datetime import UTC, datetime

from sqlalchemy import create_engine, inspect, text

from app.database_schema import downgrade, drift, upgrade
from tests.conftest import seed

AT = datetime(2027, 3, 1, 8, tzinfo=UTC)


def _rows(engine, table: str) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        ]


def test_mail_records_gain_claims_as_sent_and_lose_held_claims_going_down(databases) -> None:
    url = databases.blank()
    upgrade(url)
    seed(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        party = connection.execute(text("SELECT min(id) FROM party")).scalar_one()
        commitment = connection.execute(text("SELECT min(id) FROM commitment")).scalar_one()
        contact = connection.execute(
            text(
                "INSERT INTO contact (name, kind, party_id, email, version, created_at, "
                "updated_at) VALUES ('Jane', 'person', :party, 'jane@example.org', 1, :at, :at) "
                "RETURNING id"
            ),
            {"party": party, "at": AT},
        ).scalar_one()
        for occasion, state, holder in [
            ("due:2027-03-04:3", "sent", None),
            ("stale:2027-W09", "sending", "ab12"),
        ]:
            connection.execute(
                text(
                    "INSERT INTO reminder_sent (contact_id, commitment_id, occasion, sent_at, "
                    "state, claimed_by, claimed_until) VALUES (:c, :m, :o, :at, :s, :h, :u)"
                ),
                {
                    "c": contact,
                    "m": commitment,
                    "o": occasion,
                    "at": AT,
                    "s": state,
                    "h": holder,
                    "u": AT if holder else None,
                },
            )
        for week, state in [("2027-W08", "sent"), ("2027-W09", "sending")]:
            connection.execute(
                text(
                    "INSERT INTO party_digest_sent (party_id, week, sent_at, state) "
                    "VALUES (:p, :w, :at, :s)"
                ),
                {"p": party, "w": week, "at": AT, "s": state},
            )

    downgrade(url, "0021")
    for table in ("reminder_sent", "party_digest_sent"):
        columns = {column["name"] for column in inspect(engine).get_columns(table)}
        assert not columns & {"state", "claimed_by", "claimed_until"}
    reminders = _rows(engine, "reminder_sent")
    assert [(row[1], row[2], row[3]) for row in reminders] == [
        (contact, commitment, "due:2027-03-04:3")
    ]
    assert [row[2] for row in _rows(engine, "party_digest_sent")] == ["2027-W08"]

    upgrade(url)
    with engine.connect() as connection:
        for table in ("reminder_sent", "party_digest_sent"):
            assert connection.execute(
                text(f"SELECT state, claimed_by, claimed_until FROM {table}")
            ).all() == [("sent", None, None)]
    assert drift(engine) == []
    engine.dispose()
