import json
import re
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, column, create_engine, inspect, select, table, text

from app.database_schema import downgrade, drift, upgrade
from tests.conftest import seed


def test_upgrade_downgrade_upgrade_with_data_and_no_drift(databases) -> None:
    url = databases.blank()
    upgrade(url)
    seed(url)
    downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    seed(url)
    assert drift(engine) == []
    engine.dispose()


def test_every_filter_column_is_indexed(databases) -> None:
    url = databases.blank()
    upgrade(url)
    engine = create_engine(url)
    inspector = inspect(engine)
    indexed = {
        (table, tuple(index["column_names"]))
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }
    for needed in [
        ("commitment", ("status", "due_date")),
        ("commitment", ("due_date", "ref")),
        ("commitment", ("updated_at", "ref")),
        ("commitment", ("document_id",)),
        ("commitment", ("meeting_id",)),
        ("commitment_party", ("party_id",)),
        ("commitment_area", ("area_id",)),
    ]:
        assert needed in indexed, needed
    engine.dispose()


def test_metrics_tokens_go_when_migrating_below_their_revision(databases) -> None:
    url = databases.blank()
    upgrade(url)
    seed(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_account (name, role, created_at) "
                "VALUES ('ops', 'admin', CURRENT_TIMESTAMP)"
            )
        )
        user_id = connection.execute(text("SELECT id FROM user_account")).scalar_one()
        for scope, digest in (("metrics", "a" * 64), ("api", "b" * 64)):
            connection.execute(
                text(
                    "INSERT INTO api_token (user_id, token_hash, prefix, scope, created_at) "
                    "VALUES (:user, :digest, 'ac_x', :scope, CURRENT_TIMESTAMP)"
                ),
                {"user": user_id, "digest": digest, "scope": scope},
            )
    downgrade(url, "0006")
    with engine.connect() as connection:
        scopes = connection.execute(text("SELECT DISTINCT scope FROM api_token")).scalars()
        assert "metrics" not in set(scopes)
        assert (
            connection.execute(
                text("SELECT count(*) FROM api_token WHERE token_hash = :d"), {"d": "b" * 64}
            ).scalar_one()
            == 1
        )
    upgrade(url)
    assert drift(engine) == []
    engine.dispose()


def test_parties_become_obligors_with_kinds_and_old_framework_areas_flagged(databases) -> None:
    url = databases.blank()
    upgrade(url, "0007")
    engine = create_engine(url)
    statements = [
        "INSERT INTO party (id, code, name) VALUES (1, 'US', 'U.S.'), (2, 'ROK', 'ROK')",
        "INSERT INTO source_document (id, slug, title, publisher, kind, issued_on, language, "
        "sha256) VALUES (1, 'old', 'Old', 'P', 'news_article', '2018-10-20', 'en', '"
        + "0" * 64
        + "')",
        "INSERT INTO framework (id, slug, name, version, adopted_on) "
        "VALUES (1, 'rcf', 'RCF', 1, '2024-10-30')",
        "INSERT INTO priority_area (id, slug, name, framework_id, position) "
        "VALUES (1, 'maritime-security', 'Maritime', 1, 0)",
    ]
    for ref, parties, recurrence in (
        ("A-1", [1], None),
        ("A-2", [1, 2], None),
        ("A-3", [2], "'{}'"),
    ):
        statements.append(
            "INSERT INTO commitment (ref, title, status, version, search_text, created_at, "
            f"updated_at, document_id, recurrence) VALUES ('{ref}', '{ref}', 'not_started', 1, "
            f"'', '2024-01-01', '2024-01-01', 1, {recurrence or 'NULL'})"
        )
        statements += [
            "INSERT INTO commitment_party (commitment_id, party_id) "
            f"SELECT id, {party} FROM commitment WHERE ref = '{ref}'"
            for party in parties
        ]
    statements.append(
        "INSERT INTO commitment_area (commitment_id, area_id) "
        "SELECT id, 1 FROM commitment WHERE ref = 'A-2'"
    )
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT ref, kind, brought_under_framework FROM commitment ORDER BY ref")
        ).all()
        obligors = connection.execute(text("SELECT count(*) FROM commitment_party")).scalar_one()
    assert [(ref, kind, bool(flag)) for ref, kind, flag in rows] == [
        ("A-1", "pledge", False),
        ("A-2", "joint_undertaking", True),
        ("A-3", "recurring", False),
    ]
    assert obligors == 4
    downgrade(url, "0007")
    upgrade(url)
    assert drift(engine) == []
    engine.dispose()


def test_statements_taken_in_go_below_their_revision_and_the_seeded_stay_published(
    databases,
) -> None:
    from app.core.config import Settings
    from app.core.db import Database
    from app.ingest.models import DocumentUpload
    from app.ingest.service import take_in
    from tests.ingest.statements import JOINT_STATEMENT

    url = databases.blank()
    upgrade(url)
    seed(url)
    database = Database(Settings(database_url=url))
    upload = DocumentUpload.model_validate(
        {
            "title": "Joint statement",
            "publisher": "Ministry",
            "issued_on": "2026-11-01",
            "parties": ["US", "ROK"],
            "text": JOINT_STATEMENT,
        }
    )
    with database.transaction() as session:
        take_in(session=session, upload=upload, principal=None, actor_name="test")
    database.dispose()
    engine = create_engine(url)
    with engine.connect() as connection:
        documents = connection.execute(text("SELECT count(*) FROM source_document")).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM candidate")).scalar_one() > 0
    downgrade(url, "0009")
    assert "candidate" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM source_document")).scalar_one() == (
            documents
        )
    upgrade(url)
    with engine.connect() as connection:
        access = connection.execute(text("SELECT DISTINCT access FROM source_document")).scalars()
        assert set(access) == {"public"}
    assert drift(engine) == []
    engine.dispose()


def test_the_change_counter_starts_at_zero_counts_a_seeding_and_goes_below_its_revision(
    databases,
) -> None:
    url = databases.blank()
    upgrade(url, "0010")
    engine = create_engine(url)
    assert "register_state" not in inspect(engine).get_table_names()
    upgrade(url)
    counter = text("SELECT id, changes FROM register_state")
    with engine.connect() as connection:
        assert connection.execute(counter).all() == [(1, 0)]
    seed(url)  # one transaction
    with engine.connect() as connection:
        assert connection.execute(counter).all() == [(1, 1)]
    downgrade(url, "0010")
    assert "register_state" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM commitment")).scalar_one() > 0
    upgrade(url)
    assert drift(engine) == []
    engine.dispose()


def test_webhook_rows_get_opaque_ids_and_queued_bodies_carry_them_both_ways(databases) -> None:
    url = databases.blank()
    upgrade(url, "0018")
    engine = create_engine(url)
    statements = [
        "INSERT INTO party (id, code, name) VALUES (1, 'US', 'U.S.')",
        "INSERT INTO commitment (id, ref, title, status, version, search_text, created_at, "
        "updated_at, kind, brought_under_framework) VALUES (1, 'A-1', 'A', 'not_started', 1, "
        "'', '2026-01-01', '2026-01-01', 'pledge', false)",
        "INSERT INTO webhook_endpoint (id, party_id, url, events, nonce, consecutive_failures, "
        "created_at) VALUES (1, 1, 'https://hooks.example.org/', '[]', 'n', 0, '2026-01-01')",
    ]
    statements += [
        "INSERT INTO webhook_event (id, type, commitment_id, version, changes, actor, "
        f"created_at) VALUES ({n}, 'commitment.created', 1, 1, '{{}}', 'x', '2026-01-01')"
        for n in (1, 2)
    ]
    statements += [
        "INSERT INTO webhook_delivery (id, event_id, endpoint_id, commitment_id, body, state, "
        f"attempts, next_attempt_at) VALUES ({n}, {n}, 1, 1, "
        f'\'{{"id":"evt_{n}","type":"commitment.created","actor":"김"}}\', '
        "'pending', 0, '2026-01-01')"
        for n in (1, 2)
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(url)
    with engine.connect() as connection:
        ids = {
            name: connection.execute(text(f"SELECT public_id FROM {name}")).scalars().all()
            for name in ("webhook_endpoint", "webhook_event", "webhook_delivery")
        }
        bodies = connection.execute(
            text(
                "SELECT d.body, e.public_id FROM webhook_delivery d "
                "JOIN webhook_event e ON e.id = d.event_id"
            )
        ).all()
    for name, prefix in (
        ("webhook_endpoint", "whk_"),
        ("webhook_event", "evt_"),
        ("webhook_delivery", "dlv_"),
    ):
        assert all(re.fullmatch(prefix + "[0-9a-f]{32}", value) for value in ids[name]), ids
        assert len(set(ids[name])) == len(ids[name])
    for body, event_id in bodies:
        assert json.loads(body) == {"id": event_id, "type": "commitment.created", "actor": "김"}
    assert drift(engine) == []
    downgrade(url, "0018")
    with engine.connect() as connection:
        old = connection.execute(text("SELECT body FROM webhook_delivery ORDER BY id")).scalars()
        assert [json.loads(body)["id"] for body in old] == ["evt_1", "evt_2"]


RELEASED = text(
    "SELECT c.ref, p.code FROM commitment_releasability r"
    " JOIN commitment c ON c.id = r.commitment_id JOIN party p ON p.id = r.party_id"
    " WHERE c.ref IN ('ADMM18-06', 'ADMM18-12')"
)


def _released(engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        return {(ref, code) for ref, code in connection.execute(RELEASED)}


def test_outside_parties_lose_releasability_and_accounts_and_get_them_back_going_down(
    databases,
) -> None:
    url = databases.blank()
    upgrade(url)
    seed(url)
    engine = create_engine(url)
    downgrade(url, "0018")
    # Below: every obligor's party is released to, China too.
    assert _released(engine) == {
        ("ADMM18-06", "CN"),
        ("ADMM18-06", "ROK"),
        ("ADMM18-12", "CN"),
        ("ADMM18-12", "ROK"),
    }
    with engine.begin() as connection:
        # A record released to China alone, and accounts of China and of the ROK.
        connection.execute(
            text(
                "DELETE FROM commitment_releasability WHERE party_id = "
                "(SELECT id FROM party WHERE code = 'ROK') AND commitment_id = "
                "(SELECT id FROM commitment WHERE ref = 'ADMM18-12')"
            )
        )
        for name, code, digest in (("cn-desk", "CN", "c" * 64), ("rok-desk", "ROK", "d" * 64)):
            connection.execute(
                text(
                    "INSERT INTO user_account (name, role, party_id, created_at) SELECT :name, "
                    "'editor', id, CURRENT_TIMESTAMP FROM party WHERE code = :code"
                ),
                {"name": name, "code": code},
            )
            connection.execute(
                text(
                    "INSERT INTO api_token (user_id, token_hash, prefix, scope, created_at) "
                    "SELECT id, :digest, 'ac_x', 'api', CURRENT_TIMESTAMP FROM user_account "
                    "WHERE name = :name"
                ),
                {"name": name, "digest": digest},
            )
    upgrade(url)
    with engine.connect() as connection:
        standing = dict(connection.execute(text("SELECT code, standing FROM party")).all())
        outside_released = connection.execute(
            text(
                "SELECT count(*) FROM commitment_releasability r JOIN party p "
                "ON p.id = r.party_id WHERE p.standing = 'outside'"
            )
        ).scalar_one()
        accounts = connection.execute(
            text(
                "SELECT u.name, u.disabled_at IS NOT NULL, t.revoked_at IS NOT NULL "
                "FROM user_account u JOIN api_token t ON t.user_id = u.id ORDER BY u.name"
            )
        ).all()
    assert {code for code, s in standing.items() if s == "member"} == {"US", "ROK", "JP"}
    assert {"CN", "ASEAN", "UNC", "PIF", "NZ", "PH", "SG"} <= {
        code for code, s in standing.items() if s == "outside"
    }
    assert outside_released == 0
    # The record China alone saw goes to the member that issued it and is its counterpart.
    assert _released(engine) == {("ADMM18-06", "ROK"), ("ADMM18-12", "ROK")}
    assert [tuple(row) for row in accounts] == [
        ("cn-desk", True, True),
        ("rok-desk", False, False),
    ]
    downgrade(url, "0018")
    assert ("ADMM18-12", "CN") in _released(engine)
    upgrade(url)
    assert drift(engine) == []
    engine.dispose()


def test_notes_get_opaque_ids_and_the_history_names_them_by_it_both_ways(databases) -> None:
    url = databases.blank()
    upgrade(url)
    seed(url)
    engine = create_engine(url)
    notes = text("SELECT id, public_id FROM progress_note ORDER BY id")
    history = table("commitment_history", column("id"), column("field"), column("new_value", JSON))
    named = select(history.c.new_value).where(history.c.field == "note").order_by(history.c.id)

    def history_names(connection) -> list:
        return list(connection.execute(named).scalars())

    with engine.connect() as connection:
        seeded = dict(connection.execute(notes).all())
        assert seeded, "the seeds write notes"
        assert set(history_names(connection)) <= set(seeded.values())
    downgrade(url, "0018")
    with engine.connect() as connection:
        ids = set(connection.execute(text("SELECT id FROM progress_note")).scalars())
        assert ids == set(seeded)
        assert "public_id" not in {c["name"] for c in inspect(engine).get_columns("progress_note")}
        old_names = history_names(connection)
        assert old_names, "the seeds record their notes in the history"
        assert set(old_names) <= ids
    upgrade(url)
    with engine.connect() as connection:
        public = dict(connection.execute(notes).all())
        new_names = history_names(connection)
    assert set(public) == set(seeded)
    assert len(set(public.values())) == len(public)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", value) for value in public.values())
    assert new_names == [public[note_id] for note_id in old_names]
    assert drift(engine) == []
    engine.dispose()


def test_job_runs_get_leases_and_abandoned_runs_go_down_as_failed(databases) -> None:
    url = databases.blank()
    upgrade(url, "0023")
    engine = create_engine(url)
    runs = table(
        "job_run",
        column("job"),
        column("slot", DateTime(timezone=True)),
        column("started_at", DateTime(timezone=True)),
        column("finished_at", DateTime(timezone=True)),
        column("outcome"),
        column("detail"),
    )
    started = datetime(2027, 1, 1, 7, 0, tzinfo=UTC)
    finished = datetime(2027, 1, 1, 7, 5, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            runs.insert(),
            [
                {
                    "job": "reminders",
                    "slot": started,
                    "started_at": started,
                    "finished_at": finished,
                    "outcome": "done",
                    "detail": "mailed",
                },
                {
                    "job": "webhooks",
                    "slot": started,
                    "started_at": started,
                    "finished_at": None,
                    "outcome": "running",
                    "detail": None,
                },
            ],
        )
    upgrade(url, "0024")
    leases = text("SELECT job, lease_until, worker FROM job_run ORDER BY job")
    with engine.begin() as connection:
        (_, reminders_lease, worker), (_, webhooks_lease, _) = connection.execute(leases).all()
        # A run that never finished held its lease only until it started: it is abandoned.
        assert [str(reminders_lease)[:16], str(webhooks_lease)[:16]] == [
            "2027-01-01 07:05",
            "2027-01-01 07:00",
        ]
        assert worker is None
        connection.execute(text("UPDATE job_run SET outcome = 'abandoned' WHERE job = 'webhooks'"))
        assert "claim_until" in {c["name"] for c in inspect(engine).get_columns("webhook_delivery")}
    downgrade(url, "0023")
    with engine.connect() as connection:
        outcomes = connection.execute(text("SELECT outcome, detail FROM job_run ORDER BY job"))
        assert outcomes.all() == [
            ("done", "mailed"),
            ("failed", "abandoned: its worker died mid-run"),
        ]
    assert "lease_until" not in {c["name"] for c in inspect(engine).get_columns("job_run")}
    assert "claimed_by" not in {c["name"] for c in inspect(engine).get_columns("webhook_delivery")}
    upgrade(url)
    assert drift(engine) == []
    engine.dispose()
