from sqlalchemy import create_engine, inspect, text

from app.core.migrations import downgrade, drift, upgrade
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
