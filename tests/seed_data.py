"""Expected answers computed from the seed files, so tests follow the data, not copies of it."""

from functools import cache

from app.seeding.models import CommitmentSeed
from app.seeding.service import SeedFiles, read_seed_files
from tests.conftest import SEEDS_DIR


@cache
def seed_files() -> SeedFiles:
    return read_seed_files(SEEDS_DIR)


def seeded_commitments(*, archived: bool = False) -> list[tuple[str, CommitmentSeed]]:
    """(document slug, commitment) for every seeded commitment the register lists (with
    `archived`, the archived records too)."""
    return [
        (f.document.slug, c)
        for f in seed_files().documents
        for c in f.commitments
        if archived or c.archived_because is None
    ]


def refs_where(predicate: object) -> list[str]:
    return sorted(c.ref for slug, c in seeded_commitments() if predicate(slug, c))  # type: ignore[operator]


def meeting_of(document_slug: str, commitment: CommitmentSeed) -> str | None:
    document = next(f.document for f in seed_files().documents if f.document.slug == document_slug)
    return commitment.meeting or document.meeting


def member_parties() -> set[str]:
    """The codes of the parties the seeds make members of the register."""
    return {p.code for p in seed_files().reference.parties if p.standing.value == "member"}


def released_to(document_slug: str, commitment: CommitmentSeed) -> list[str]:
    """Whom the seeded register releases a commitment to."""
    document = next(f.document for f in seed_files().documents if f.document.slug == document_slug)
    return commitment.releasable_parties(members=member_parties(), issuers=document.parties)
