from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.security import Role
from app.core.time import utcnow
from app.core.validation import Code, Id, Instant, PartyCode, SingleLine
from app.users.enums import IssuableScope, TokenScope


class UserAccount(SQLModel, table=True):
    """A desk officer (or an administrator) on one party's side."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="role"),
        CheckConstraint("role = 'admin' OR party_id IS NOT NULL", name="party_unless_admin"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=10)
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    # The point of contact this officer is, on their party's side: what they lead.
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class ApiToken(SQLModel, table=True):
    """A bearer token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('api', 'calendar', 'metrics')", name="scope"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    scope: str = Field(default=TokenScope.api.value, max_length=10)
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


Label = Annotated[SingleLine, PydanticField(max_length=100)]
UserName = PydanticField(min_length=1, max_length=100, pattern=r"^[\w .,@'()/-]+$")


class UserCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: str = UserName
    role: Role
    party: PartyCode | None = None
    contact_id: Id | None = PydanticField(
        default=None, description="The point of contact this user is (of the user's party)"
    )
    token_label: Label | None = None
    token_expires_at: Instant | None = None


class UserUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    contact_id: Id | None = PydanticField(
        description="The point of contact this user is (of the user's party); null: none"
    )


class TokenCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    label: Label | None = None
    expires_at: Instant | None = None
    scope: IssuableScope = PydanticField(
        default=IssuableScope.api,
        description="api: the API as the user's role allows; metrics: /metrics only",
    )


class TokenPublic(SQLModel):
    id: int
    prefix: str
    scope: TokenScope
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class UserPublic(SQLModel):
    id: int
    name: str
    role: Role
    party: Code | None
    contact_id: int | None
    created_at: datetime
    disabled: bool
    tokens: list[TokenPublic]


class IssuedToken(SQLModel):
    """The only response that carries a token in clear."""

    token: str
    token_info: TokenPublic
    user: UserPublic
