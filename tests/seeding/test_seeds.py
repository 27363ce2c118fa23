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
from tests.seed_data import member_parties, released_to, seed_files, seeded_commitments

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
    refs = [c.ref for _, c in seeded_commitments(archived=True)]
    assert 40 <= len(refs) <= 60
    assert len(set(refs)) == len(refs)
    assert len(seed_files().documents) == 4


def test_the_framework_commitments_to_name_contacts_and_present_projects_are_seeded() -> None:
    quotes = [c.quote for _, c in seeded_commitments(archived=True)]
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
            if commitment.evidence is not None:
                shown_in = text[commitment.evidence.paragraph - 1]
                assert shown_in.count(normalized(commitment.evidence.quote)) == 1, commitment.ref


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
    assert first.created["commitments"] == len(seeded_commitments(archived=True))
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
    rewrite_block(
        path, "ADMM18-09", lambda b: re.sub(r"paragraph = \d+", "paragraph = 99", b, count=1)
    )
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
            lambda text: text.replace('status = "not_started"', 'status = "completed"', 1),
            r"\(SEN24-01\): Value error, a completed commitment gives its completed_on",
        ),
        (
            lambda text: re.sub(r"^evidence = .*\n", "", text, count=1, flags=re.M),
            r"\(SEN24-07\): Value error, status in_progress needs the evidence sentence",
        ),
        (
            lambda text: text.replace('status = "not_started"', 'status = "blocked"', 1),
            r"\(SEN24-01\): Value error, a statement cannot show status blocked",
        ),
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

    def correct(block: str) -> str:
        block = re.sub(r"^topics = .*$", 'topics = ["dprk"]', block, count=1, flags=re.M)
        block = block.replace('counterparts = ["US/US-CONGRESS"]', 'counterparts = ["JP"]', 1)
        return block.replace('title = "', 'title = "Corrected: ', 1)

    for ref in ("SEN24-02", "SEN24-03"):
        rewrite_block(path, ref, correct)
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
    members = member_parties()
    for slug, seed in seeded_commitments(archived=True):
        issued_on = issued[slug]
        obligors, counterparts = seed.obligor_parties(), [p for p, _ in seed.counterpart_refs()]
        assert seed.kind is not None, f"{seed.ref}: every seeded commitment states its kind"
        # Releasable to its member obligors and to parties added explicitly, never to an
        # outside party, nor to a counterpart merely because it is named (unless an outside
        # party owes it: then to the member parties that issued it or are party to it).
        released = set(released_to(slug, seed))
        assert released <= members, seed.ref
        if set(obligors) <= members:
            assert released == set(obligors) | set(seed.releasable_to), seed.ref
        else:
            assert released >= set(obligors) & members, seed.ref
            assert released, f"{seed.ref}: owed by an outside party, released to a member"
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


def test_records_the_guide_does_not_count_are_archived_with_the_reason(client, as_user) -> None:
    archived = {
        c.ref: c.archived_because
        for _, c in seeded_commitments(archived=True)
        if c.archived_because
    }
    assert archived
    listed = client.get("/api/v1/commitments", params={"limit": 200}).json()["items"]
    assert not {item["ref"] for item in listed} & archived.keys()
    for ref, reason in archived.items():
        assert client.get(f"/api/v1/commitments/{ref}").json()["archived"] is True
        assert as_user("rok-viewer").get(f"/api/v1/commitments/{ref}").status_code == 404
        history = client.get(f"/api/v1/commitments/{ref}/history").json()["items"]
        archiving = [entry for entry in history if entry["field"] == "archived"]
        assert [(e["new_value"], e["channel"], e["reason"]) for e in archiving] == [
            (True, "seed", reason)
        ]


def test_a_seeded_status_comes_with_the_sentence_that_shows_it(client) -> None:
    shown = [(slug, c) for slug, c in seeded_commitments(archived=True) if c.evidence is not None]
    assert any(c.status.value == "completed" for _, c in shown)
    issued = {file.document.slug: file.document.issued_on for file in seed_files().documents}
    for slug, seed in shown:
        assert seed.evidence is not None
        notes = client.get(f"/api/v1/commitments/{seed.ref}/updates").json()["items"]
        evidence = [note for note in notes if seed.evidence.quote in note["text"]]
        assert len(evidence) == 1, seed.ref
        assert evidence[0]["author"] == "seed"
        assert evidence[0]["as_of"] == (seed.completed_on or issued[slug]).isoformat()
        assert f"paragraph {seed.evidence.paragraph}" in evidence[0]["text"]
    for _slug, seed in seeded_commitments(archived=True):
        if seed.status.value == "not_started":
            assert client.get(f"/api/v1/commitments/{seed.ref}/updates").json()["items"] == []


def rewrite_block(path: Path, ref: str, edit) -> None:
    text = path.read_text()
    start = text.index(f'ref = "{ref}"')
    end = text.find("[[commitments]]", start)
    end = len(text) if end == -1 else end
    path.write_text(text[:start] + edit(text[start:end]) + text[end:])


def test_corrected_seeds_archive_restore_and_add_evidence_but_respect_a_users_restore(
    database_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import bearer

    settings = Settings(database_url=database_url, seeds_dir=SEEDS_DIR)
    earlier = tmp_path / "earlier"
    shutil.copytree(SEEDS_DIR, earlier)
    senators = earlier / "documents" / "mnd-2024-05-31-us-senators.toml"
    rewrite_block(
        senators, "SEN24-05", lambda b: re.sub(r"^archived_because = .*\n", "", b, flags=re.M)
    )
    # Before the status rule: SEN24-09 ("committed to continuous cooperation") not started.
    rewrite_block(
        senators,
        "SEN24-09",
        lambda b: re.sub(r"^evidence = .*\n", "", b, flags=re.M).replace(
            'status = "in_progress"', 'status = "not_started"'
        ),
    )
    database = Database(settings)

    def seed_from(seeds: Path) -> None:
        with database.session() as session:
            seed_register(session=session, seeds_dir=seeds)
            session.commit()

    seed_from(earlier)  # the seeds no longer archive SEN24-05: it is restored
    with TestClient(create_app(settings), headers=bearer("admin")) as client:
        assert client.get("/api/v1/commitments/SEN24-05").json()["archived"] is False
    seed_from(SEEDS_DIR)  # archived again; SEN24-09 under way, with its sentence, once
    seed_from(SEEDS_DIR)
    with TestClient(create_app(settings), headers=bearer("admin")) as client:
        assert client.get("/api/v1/commitments/SEN24-05").json()["archived"] is True
        assert client.get("/api/v1/commitments/SEN24-09").json()["status"] == "in_progress"
        notes = client.get("/api/v1/commitments/SEN24-09/updates").json()["items"]
        assert [note["author"] for note in notes] == ["seed"]
        restored = client.post("/api/v1/commitments/SEN24-05/restore")
        assert restored.status_code == 200
    seed_from(SEEDS_DIR)  # a user's restore stands
    with TestClient(create_app(settings), headers=bearer("admin")) as client:
        item = client.get("/api/v1/commitments/SEN24-05").json()
        assert item["archived"] is False
        history = client.get("/api/v1/commitments/SEN24-05/history").json()["items"]
        assert [(e["new_value"], e["channel"]) for e in history if e["field"] == "archived"] == [
            (True, "seed"),
            (False, "seed"),
            (True, "seed"),
            (False, "api"),
        ]
    database.dispose()
