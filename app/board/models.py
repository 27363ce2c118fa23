from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.time import utcnow


class BoardSession(SQLModel, table=True):
    """A desk officer signed in to the board: only the SHA-256 of the cookie's value is kept.

    It stands on the API token it was opened with: revoking that token, or disabling its user,
    ends the session too."""

    __tablename__ = "board_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
