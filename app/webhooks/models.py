"""Webhook endpoints, and each event of the outbox (app.history.outbox) on its way to each
endpoint."""

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.lease import HOLDER_MAX_LENGTH
from app.core.metadata import SQLModel
from app.core.time import utcnow
from app.core.validation import Code, PartyCode, StoredLength, WebUrl
from app.core.validation import Text as CleanText
from app.history import PUBLIC_ID_BYTES, PUBLIC_ID_LENGTH, new_public_id
from app.webhooks.enums import DeliveryState, EventType

URL_MAX_LENGTH = 2000

WEBHOOK_PREFIX, DELIVERY_PREFIX = "whk_", "dlv_"
WEBHOOK_ID_PATTERN = f"^{WEBHOOK_PREFIX}[0-9a-f]{{{2 * PUBLIC_ID_BYTES}}}$"
DELIVERY_ID_PATTERN = f"^{DELIVERY_PREFIX}[0-9a-f]{{{2 * PUBLIC_ID_BYTES}}}$"


class WebhookEndpoint(SQLModel, table=True):
    """A receiver of one party's events. Its signing secret is never stored: it is derived
    from the server's webhook key and this endpoint's nonce whenever a body is signed."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(
        default_factory=lambda: new_public_id(WEBHOOK_PREFIX),
        max_length=PUBLIC_ID_LENGTH,
        unique=True,
    )
    party_id: int = Field(foreign_key="party.id", index=True)
    url: str = Field(max_length=URL_MAX_LENGTH)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=200)
    nonce: str = Field(max_length=64)
    consecutive_failures: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # Set by an administrator: nothing more is queued or sent.
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Set after too many failures in a row: deliveries are still queued, and sent once an
    # administrator resumes the endpoint.
    suspended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class WebhookDelivery(SQLModel, table=True):
    """An event on its way to one endpoint: retried with backoff until delivered, given up,
    or withheld (the endpoint's party no longer sees it); its public id is the idempotency key
    the receiver sees (a delivery whose sender died mid-post may arrive twice)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(
        default_factory=lambda: new_public_id(DELIVERY_PREFIX),
        max_length=PUBLIC_ID_LENGTH,
        unique=True,
    )
    event_id: int = Field(foreign_key="webhook_event.id", index=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=DeliveryState.pending.value, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Who is sending it now, until when: a run claims a delivery before posting it and
    # renews the claim while it lives; a claim whose run died lapses and the delivery is
    # sent again by a later run.
    claimed_by: str | None = Field(default=None, max_length=HOLDER_MAX_LENGTH)
    claim_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class WebhookCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    url: Annotated[WebUrl, StoredLength(URL_MAX_LENGTH)] = PydanticField(
        description="Where events are POSTed: https to a public address, or http or https to "
        "a network the server allows (COMMITMENTS_WEBHOOK_ALLOWED_NETWORKS)"
    )
    party: PartyCode = PydanticField(description="Events go out only as this party may see")
    events: list[EventType] = PydanticField(
        default_factory=lambda: list(EventType), min_length=1, max_length=len(EventType)
    )
    description: CleanText | None = PydanticField(default=None, max_length=200)


class WebhookPublic(SQLModel):
    id: str
    url: str
    party: Code
    events: list[EventType]
    description: str | None
    consecutive_failures: int
    created_at: datetime
    disabled: bool
    suspended: bool


class WebhookIssued(SQLModel):
    """The only response that carries the signing secret."""

    secret: str
    webhook: WebhookPublic


class WebhookList(SQLModel):
    items: list[WebhookPublic]


class DeliveryPublic(SQLModel):
    id: str
    event_type: EventType
    ref: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryList(SQLModel):
    webhook: str
    items: list[DeliveryPublic]
