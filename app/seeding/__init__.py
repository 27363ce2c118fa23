"""The seed register: the statements and the commitments drawn from them, loaded into an
empty database and corrected in existing ones."""

from app.seeding.models import CommitmentSeed, DocumentFileSeed, ReferenceSeed
from app.seeding.service import SeedError, read_seed_files, seed_register

__all__ = [
    "CommitmentSeed",
    "DocumentFileSeed",
    "ReferenceSeed",
    "SeedError",
    "read_seed_files",
    "seed_register",
]
