from sqlmodel import Field

from app.core.db import names_column
from app.core.metadata import SQLModel
from app.core.validation import Code


class Party(SQLModel, table=True):
    """A government or body that makes or receives commitments, addressed by its code."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)
    # Other names a statement may use for it ("Washington", "the ROK"): the gazetteer the
    # extractor reads.
    aliases: list[str] = Field(default_factory=list, sa_column=names_column())


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    party_id: int = Field(foreign_key="party.id", index=True)
    aliases: list[str] = Field(default_factory=list, sa_column=names_column())


class OrganizationPublic(SQLModel):
    code: str
    name: str


class PartyPublic(SQLModel):
    code: Code
    name: str
    organizations: list[OrganizationPublic]
