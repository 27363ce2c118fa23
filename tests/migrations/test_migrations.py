from sqlalchemy import create_engine, inspect

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
