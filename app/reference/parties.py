from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint
from sqlmodel import Field

from app.core.db import names_column
from app.core.languages import Language
from app.core.metadata import SQLModel
from app.core.validation import Code, EmailAddress
from app.reference.enums import Standing

STANDING_CHECK = "standing IN ('member', 'outside')"


class Party(SQLModel, table=True):
    """A government or body that makes or receives commitments, addressed by its code."""

    __table_args__ = (CheckConstraint(STANDING_CHECK, name="standing"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)
    # A member of the register, or an outside party (app.reference.enums.Standing): a party is
    # outside until it is made a member, so a new one is released nothing.
    standing: str = Field(
        default=Standing.outside.value,
        max_length=10,
        sa_column_kwargs={"server_default": Standing.outside.value},
    )
    # Other names a statement may use for it ("Washington", "the ROK"): the gazetteer the
    # extractor reads.
    aliases: list[str] = Field(default_factory=list, sa_column=names_column())
    # Where the party's weekly digest of its commitments goes (a desk's shared mailbox), and
    # the language it is written in (app.core.languages.Language; English when unset).
    digest_email: str | None = Field(default=None, max_length=254)
    language: str | None = Field(default=None, max_length=8)


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
    standing: Standing
    organizations: list[OrganizationPublic]
    digest_email: str | None
    language: Language | None


class PartyUpdate(SQLModel):
    """What an administrator sets for a party; a field left out is unchanged, null clears it."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    digest_email: EmailAddress | None = None
    language: Language | None = None
    standing: Standing | None = PydanticField(
        default=None,
        description="member or outside; a party becomes outside only once it has no enabled "
        "user and nothing is released to it",
    )
