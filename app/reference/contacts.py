from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.languages import Language
from app.core.metadata import SQLModel
from app.core.schemas import Schema
from app.core.time import utcnow
from app.core.validation import MAX_ID, Code, EmailAddress, PartyCode, Title
from app.reference.enums import ContactKind

NAME_MAX_LENGTH = 200


class Contact(SQLModel, table=True):
    """A point of contact: a named person or an office, on one party's side."""

    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k.value}'" for k in ContactKind) + ")", name="kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX_LENGTH)
    kind: str = Field(default=ContactKind.person.value, max_length=10)
    party_id: int = Field(foreign_key="party.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    position: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    # What reminders are written in (app.core.languages.Language); English when unset.
    language: str | None = Field(default=None, max_length=8)
    # The kinds of reminder (app.reminders.enums.ReminderKind) this contact does not want.
    reminders_opt_out: list[str] | None = Field(default=None, sa_column=Column(JSON))
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class ContactRef(Schema):
    id: int
    name: str
    kind: ContactKind


class LeadPublic(Schema):
    """Who leads for one party: one contact on that party's side."""

    party: Code
    contact: ContactRef


class LeadAssignment(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    party: PartyCode
    contact_id: int = PydanticField(ge=1, le=MAX_ID)


class ContactPublic(ContactRef):
    party: str
    organization: str | None
    position: str | None
    email: str | None
    language: Language | None
    version: int


Name = Annotated[Title, PydanticField(max_length=NAME_MAX_LENGTH)]
Position = PydanticField(default=None, max_length=200)
OrganizationCode = PydanticField(default=None, max_length=32, pattern=r"^[A-Za-z0-9-]+$")


class ContactCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: Name
    party: PartyCode
    kind: ContactKind = ContactKind.person
    organization: str | None = OrganizationCode
    position: Title | None = Position
    email: EmailAddress | None = None
    language: Language | None = None


class ContactUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: Name | None = None
    kind: ContactKind | None = None
    organization: str | None = OrganizationCode
    position: Title | None = Position
    email: EmailAddress | None = None
    language: Language | None = None
