from sqlmodel import Field

from app.core.metadata import SQLModel
from app.core.validation import Code


class Party(SQLModel, table=True):
    """A government or body that makes or receives commitments, addressed by its code."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    party_id: int = Field(foreign_key="party.id", index=True)


class OrganizationPublic(SQLModel):
    code: str
    name: str


class PartyPublic(SQLModel):
    code: Code
    name: str
    organizations: list[OrganizationPublic]
