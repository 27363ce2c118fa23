import hashlib
import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from app.commitments.models import Commitment
from app.core.config import Settings
from app.core.db import Database
from app.seeding.service import SeedError, seed_register
from tests.conftest import SEEDS_DIR, SOURCE_STATEMENTS
from tests.seed_data import seed_files, seeded_commitments

needs_sources = pytest.mark.skipif(
    not SOURCE_STATEMENTS.is_dir(), reason="the source statements are not beside the project"
)


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(path: Path) -> list[str]:
    return [
        normalized(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_the_seeds_hold_forty_to_sixty_commitments_with_unique_refs() -> None:
    refs = [c.ref for _, c in seeded_commitments()]
    assert 40 <= len(refs) <= 60
    assert len(set(refs)) == len(refs)
    assert len(seed_files().documents) == 4


def test_the_framework_commitments_to_name_contacts_and_present_projects_are_seeded() -> None:
    quotes = [c.quote for _, c in seeded_commitments()]
    assert any("identify points of contact" in quote for quote in quotes)
    assert any("at least one project or initiative each year before the SCM" in q for q in quotes)


@needs_sources
def test_every_quote_appears_verbatim_at_its_locator_in_its_source_statement() -> None:
    for file in seed_files().documents:
        source = SOURCE_STATEMENTS / file.document.source_file
        text = paragraphs(source)
        for commitment in file.commitments:
            paragraph = text[commitment.paragraph - 1]
            quote = normalized(commitment.quote)
            assert paragraph.count(quote) == 1, commitment.ref
            preceding, following = paragraph.split(quote)
            assert preceding.rstrip().endswith(commitment.before), commitment.ref
            assert following.lstrip().startswith(commitment.after), commitment.ref


@needs_sources
def test_document_hashes_match_the_source_statements() -> None:
    for file in seed_files().documents:
        digest = hashlib.sha256((SOURCE_STATEMENTS / file.document.source_file).read_bytes())
        assert digest.hexdigest() == file.document.sha256, file.document.slug


@needs_sources
def test_the_project_does_not_carry_the_statements_full_texts() -> None:
    for file in seed_files().documents:
        longest_paragraph = max(paragraphs(SOURCE_STATEMENTS / file.document.source_file), key=len)
        for seed_path in SEEDS_DIR.rglob("*.toml"):
            assert longest_paragraph not in normalized(seed_path.read_text(encoding="utf-8"))


def snapshot(database: Database) -> dict[str, tuple]:
    with database.session(write=False) as session:
        return {
            c.ref: (c.id, c.status, c.due_date, c.version, c.updated_at, c.quote)
            for c in session.exec(select(Commitment))
        }


def test_seeding_twice_changes_nothing(empty_database_url: str) -> None:
    database = Database(Settings(database_url=empty_database_url))
    with database.session() as session:
        first = seed_register(session=session, seeds_dir=SEEDS_DIR)
        session.commit()
    before = snapshot(database)
    with database.session() as session:
        second = seed_register(session=session, seeds_dir=SEEDS_DIR)
        session.commit()
    assert first.created["commitments"] == len(seeded_commitments())
    assert not second.changed
    assert snapshot(database) == before
    database.dispose()


def test_ids_are_the_same_on_every_fresh_database(databases) -> None:
    mappings = []
    for _ in range(2):
        for url in databases.fresh(seeded=True):
            database = Database(Settings(database_url=url))
            mappings.append({ref: row[0] for ref, row in snapshot(database).items()})
            database.dispose()
    assert mappings[0] == mappings[1]


def test_seeding_never_overwrites_what_users_changed(database_url: str) -> None:
    database = Database(Settings(database_url=database_url))
    with database.session() as session:
        commitment = session.exec(select(Commitment).where(Commitment.ref == "SCM56-RCF-13")).one()
        commitment.status = "completed"
        commitment.due_date = None
        commitment.title = "Points of contact named"
        session.commit()
    with database.session() as session:
        report = seed_register(session=session, seeds_dir=SEEDS_DIR)
        session.commit()
    assert not report.changed
    with database.session(write=False) as session:
        commitment = session.exec(select(Commitment).where(Commitment.ref == "SCM56-RCF-13")).one()
        assert (commitment.status, commitment.due_date, commitment.title) == (
            "completed",
            None,
            "Points of contact named",
        )
    database.dispose()


def test_a_corrected_locator_in_the_seeds_reaches_the_register(
    database_url: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "documents" / "kdd-2018-10-admm-plus.toml"
    block_start = path.read_text().index('ref = "ADMM18-09"')
    text = path.read_text()
    head, block = text[:block_start], text[block_start:]
    path.write_text(head + re.sub(r"paragraph = \d+", "paragraph = 99", block, count=1))
    database = Database(Settings(database_url=database_url))
    with database.session() as session:
        report = seed_register(session=session, seeds_dir=seeds)
        session.commit()
    assert report.updated["commitment sources"] == 1
    with database.session(write=False) as session:
        moved = session.exec(select(Commitment).where(Commitment.paragraph == 99)).all()
    assert [c.ref for c in moved] == ["ADMM18-09"]
    database.dispose()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace('obligors = ["ROK/ROK-MND"]', 'obligors = ["XX"]', 1),
            r"SEN24-01: Unknown party code\(s\): XX",
        ),
        (lambda text: text.replace('status = "in_progress"', 'status = "done"', 1), "status"),
        (
            lambda text: text.replace("areas = []", 'areas = ["maritime-security"]', 1),
            "SEN24-01: maritime-security is an area of the Regional Cooperation Framework",
        ),
        (lambda text: text + "\n[[commitments]]\nref = 'BROKEN'\n", "commitments"),
        (lambda text: text.replace("[document]", "[document", 1), "not valid TOML"),
    ],
)
def test_a_broken_seed_file_is_named_and_nothing_is_written(
    empty_database_url: str, tmp_path: Path, edit, message: str
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "documents" / "mnd-2024-05-31-us-senators.toml"
    path.write_text(edit(path.read_text()))
    database = Database(Settings(database_url=empty_database_url))
    with database.session() as session, pytest.raises(SeedError, match=message):
        seed_register(session=session, seeds_dir=seeds)
    assert snapshot(database) == {}
    database.dispose()


def test_corrected_seeds_reach_an_existing_register_but_not_over_a_users_change(
    database_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import bearer

    settings = Settings(database_url=database_url, seeds_dir=SEEDS_DIR)
    with TestClient(create_app(settings), headers=bearer("admin")) as client:
        etag = client.get("/api/v1/commitments/SEN24-03").headers["etag"]
        renamed = client.patch(
            "/api/v1/commitments/SEN24-03",
            json={"title": "A desk officer's title"},
            headers={"If-Match": etag},
        )
        assert renamed.status_code == 200
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "documents" / "mnd-2024-05-31-us-senators.toml"
    text = path.read_text()
    for ref in ("SEN24-02", "SEN24-03"):
        start = text.index(f'ref = "{ref}"')
        block = text[start:]
        block = re.sub(r"^topics = .*$", 'topics = ["dprk"]', block, count=1, flags=re.M)
        block = block.replace('counterparts = ["US/US-CONGRESS"]', 'counterparts = ["JP"]', 1)
        block = block.replace('title = "', 'title = "Corrected: ', 1)
        text = text[:start] + block
    path.write_text(text)
    database = Database(settings)
    with database.session() as session:
        report = seed_register(session=session, seeds_dir=seeds)
        session.commit()
    assert report.updated["commitments"] == 2
    with TestClient(create_app(settings), headers=bearer("admin")) as client:
        for ref in ("SEN24-02", "SEN24-03"):
            item = client.get(f"/api/v1/commitments/{ref}").json()
            assert item["topics"] == ["dprk"]
            assert item["counterparts"] == [{"party": "JP", "organization": None}]
            # Naming Japan as counterpart releases nothing to it.
            assert item["releasable_to"] == ["ROK", "US"]
            history = client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
            corrected = [entry for entry in history if entry["field"] == "counterparts"]
            assert corrected[-1]["channel"] == "seed"
        assert client.get("/api/v1/commitments/SEN24-02").json()["title"].startswith("Corrected")
        assert client.get("/api/v1/commitments/SEN24-03").json()["title"] == (
            "A desk officer's title"
        )
    with database.session() as session:
        again = seed_register(session=session, seeds_dir=seeds)
        session.commit()
    assert not again.changed
    database.dispose()


def test_the_seeded_register_follows_the_extraction_guide() -> None:
    reference = seed_files().reference
    adopted = {
        area.slug: framework.adopted_on
        for framework in reference.frameworks
        for area in framework.areas
    }
    issued = {file.document.slug: file.document.issued_on for file in seed_files().documents}
    for slug, seed in seeded_commitments():
        issued_on = issued[slug]
        obligors, counterparts = seed.obligor_parties(), [p for p, _ in seed.counterpart_refs()]
        assert seed.kind is not None, f"{seed.ref}: every seeded commitment states its kind"
        # Releasable to its obligors and to parties added explicitly, never to a counterpart
        # merely because it is named.
        assert set(seed.releasable_parties()) == set(obligors) | set(seed.releasable_to)
        if seed.kind.value == "request":
            assert counterparts, f"{seed.ref}: a request names whom it asks"
        assert not set(obligors) & set(counterparts), seed.ref
        for area in seed.areas:
            too_old = adopted.get(area) is not None and adopted[area] > issued_on
            assert not too_old or seed.brought_under_framework, f"{seed.ref}: {area}"
        if seed.status.value == "completed":
            assert seed.completed_on is not None, f"{seed.ref}: completed without a date"
        # Thematic tags are topics: every area a seed names belongs to a framework.
        assert all(area in adopted for area in seed.areas), seed.ref
