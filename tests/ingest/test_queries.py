"""The gazetteer the service reads from the register agrees with the reference data it was
seeded from (the form `extract-eval` reads without a database)."""

from app.core.db import Database
from app.ingest import queries
from app.ingest.evaluation import vocabulary_of
from app.seeding.service import read_seed_files
from tests.conftest import SEEDS_DIR


def by_key(vocabulary) -> tuple[dict, dict, dict]:
    return (
        {(n.party, n.organization): sorted(set(n.aliases)) for n in vocabulary.names},
        {t.slug: (sorted(t.keywords), t.framework_adopted_on) for t in vocabulary.areas},
        {t.slug: sorted(t.keywords) for t in vocabulary.topics},
    )


def test_the_registers_vocabulary_is_the_reference_datas(database: Database) -> None:
    with database.session() as session:
        from_register = queries.vocabulary(session)
    from_files = vocabulary_of(read_seed_files(SEEDS_DIR).reference)
    assert by_key(from_register) == by_key(from_files)
    assert any(name.party == "US" and "Washington" in name.aliases for name in from_register.names)
