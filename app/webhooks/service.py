"""Webhooks: endpoints administrators register for a party, and the delivery of the events
every change puts in the outbox (app.history.outbox): fan-out by releasability, signed POSTs
retried with backoff."""

import secrets
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, literal, or_, select, update
from sqlmodel import Session, col

from app.commitments import Commitment, CommitmentReleasability, overdue_on
from app.core.changes import UNCHANGED
from app.core.config import Settings
from app.core.egress import EgressPolicy, EgressRefusedError, Resolver, vet_url
from app.core.errors import ConflictError, NotFoundError, UnprocessableError
from app.core.metadata import id_of
from app.core.security import SYSTEM
from app.history import WebhookEvent
from app.reference import Party, SourceDocument, Standing, readable_by_party
from app.webhooks.enums import DeliveryState, EventType
from app.webhooks.models import (
    DeliveryPublic,
    WebhookCreate,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookIssued,
    WebhookPublic,
)
from app.webhooks.signing import secret_of

DELIVERIES_SHOWN = 100
# How long registering waits for the receiver's name to resolve.
RESOLVE_TIMEOUT_SECONDS = 5.0


OVERDUE_WINDOW_DAYS = 7


def record_overdue(*, session: Session, on: date, at: datetime) -> int:
    """An event for each open commitment that fell overdue in the last OVERDUE_WINDOW_DAYS
    (its due date before `on`), once for each due date it had; returns how many."""
    since = on - timedelta(days=OVERDUE_WINDOW_DAYS)
    recently_overdue = (
        overdue_on(on),
        col(Commitment.due_date) >= since,
        col(Commitment.archived_at).is_(None),
    )
    fallen = session.execute(
        select(col(Commitment.id), col(Commitment.version), col(Commitment.due_date)).where(
            *recently_overdue
        )
    ).all()
    told = {
        (commitment, changes.get("due_date"))
        for commitment, changes in session.execute(
            select(col(WebhookEvent.commitment_id), col(WebhookEvent.changes)).where(
                col(WebhookEvent.type) == EventType.overdue.value,
                col(WebhookEvent.commitment_id).in_(
                    select(col(Commitment.id)).where(*recently_overdue)
                ),
            )
        )
    }
    events = [
        WebhookEvent(
            type=EventType.overdue.value,
            commitment_id=commitment,
            version=version,
            changes={"due_date": due.isoformat(), "days_overdue": (on - due).days},
            actor=SYSTEM.name,
            created_at=at,
        )
        for commitment, version, due in fallen
        if (commitment, due.isoformat()) not in told
    ]
    session.add_all(events)
    session.flush()
    return len(events)


def _public(endpoint: WebhookEndpoint, party: str) -> WebhookPublic:
    return WebhookPublic(
        id=endpoint.public_id,
        url=endpoint.url,
        party=party,
        events=[EventType(value) for value in endpoint.events],
        description=endpoint.description,
        consecutive_failures=endpoint.consecutive_failures,
        created_at=endpoint.created_at,
        disabled=endpoint.disabled_at is not None,
        suspended=endpoint.suspended_at is not None,
    )


def egress_policy(settings: Settings) -> EgressPolicy:
    """Where webhooks may go: public addresses, and the networks the operator allowed."""
    return EgressPolicy(allowed=tuple(settings.webhook_allowed_networks))


def register(
    *,
    session: Session,
    request: WebhookCreate,
    key: str | None,
    policy: EgressPolicy,
    resolve: Resolver,
) -> WebhookIssued:
    """Register an endpoint; one the webhooks job could not post to under the policy (an
    internal address or name, plain http outside the allowed networks, credentials in the
    URL) is refused, and it is checked again on every connection."""
    if not key:
        raise ConflictError(
            "Webhooks are signed with the server's key: set COMMITMENTS_WEBHOOK_KEY first."
        )
    party = session.execute(select(Party).where(col(Party.code) == request.party)).scalars().first()
    if party is None:
        raise UnprocessableError(f"Unknown party {request.party!r}.")
    if party.standing != Standing.member.value:
        raise UnprocessableError(
            f"{party.code} is an outside party: nothing is released to it, so nothing would "
            "ever be sent to its webhooks."
        )
    try:
        vet_url(str(request.url), policy=policy, resolve=resolve, timeout=RESOLVE_TIMEOUT_SECONDS)
    except EgressRefusedError as refused:
        raise UnprocessableError(f"Webhooks are not sent to this URL: {refused}.") from None
    endpoint = WebhookEndpoint(
        party_id=id_of(party),
        url=str(request.url),
        events=sorted({event.value for event in request.events}),
        description=request.description,
        nonce=secrets.token_hex(16),
    )
    session.add(endpoint)
    session.flush()
    secret = secret_of(key, id_of(endpoint), endpoint.nonce)
    return WebhookIssued(secret=secret, webhook=_public(endpoint, party.code))


def _endpoints(session: Session, endpoint_id: int | None = None) -> list[WebhookPublic]:
    statement = select(WebhookEndpoint, col(Party.code)).join(
        Party, col(Party.id) == col(WebhookEndpoint.party_id)
    )
    if endpoint_id is not None:
        statement = statement.where(col(WebhookEndpoint.id) == endpoint_id)
    rows = session.execute(statement.order_by(col(WebhookEndpoint.id))).all()
    return [_public(endpoint, code) for endpoint, code in rows]


def list_webhooks(*, session: Session) -> list[WebhookPublic]:
    return _endpoints(session)


def _endpoint(session: Session, webhook_id: str) -> WebhookEndpoint:
    endpoint: WebhookEndpoint | None = (
        session.execute(select(WebhookEndpoint).where(col(WebhookEndpoint.public_id) == webhook_id))
        .scalars()
        .first()
    )
    if endpoint is None:
        raise NotFoundError(f"No webhook {webhook_id}.")
    return endpoint


def disable(*, session: Session, webhook_id: str, now: datetime) -> WebhookPublic:
    endpoint = _endpoint(session, webhook_id)
    endpoint.disabled_at = endpoint.disabled_at or now
    session.add(endpoint)
    session.flush()
    return _endpoints(session, id_of(endpoint))[0]


def resume(*, session: Session, webhook_id: str, now: datetime) -> WebhookPublic:
    """Send to a suspended endpoint again: what was queued while it was suspended goes out at
    the next run, oldest first."""
    endpoint = _endpoint(session, webhook_id)
    if endpoint.disabled_at is not None:
        raise ConflictError(f"Webhook {webhook_id} is disabled; register the endpoint again.")
    endpoint.suspended_at = None
    endpoint.consecutive_failures = 0
    session.add(endpoint)
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == id_of(endpoint),
            col(WebhookDelivery.state) == DeliveryState.pending.value,
        )
        .values(next_attempt_at=now),
        execution_options={UNCHANGED: True},
    )
    session.flush()
    return _endpoints(session, id_of(endpoint))[0]


def deliveries(*, session: Session, webhook_id: str) -> list[DeliveryPublic]:
    """The endpoint's latest deliveries, newest first, with the last answer of each."""
    endpoint = _endpoint(session, webhook_id)
    rows = session.execute(
        select(WebhookDelivery, col(WebhookEvent.type), col(Commitment.ref))
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .join(Commitment, col(Commitment.id) == col(WebhookDelivery.commitment_id))
        .where(col(WebhookDelivery.endpoint_id) == id_of(endpoint))
        .order_by(col(WebhookDelivery.id).desc())
        .limit(DELIVERIES_SHOWN)
    ).all()
    return [
        DeliveryPublic(
            id=delivery.public_id,
            event_type=EventType(kind),
            ref=ref,
            state=DeliveryState(delivery.state),
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
        )
        for delivery, kind, ref in rows
    ]


def redeliver(*, session: Session, webhook_id: str, delivery_id: str, now: datetime) -> None:
    """Send a delivery again, from its first attempt (a failed one, or one to repeat), if
    the endpoint's party may still see what it carries; one it may not is not found."""
    endpoint = _endpoint(session, webhook_id)
    delivery = (
        session.execute(
            select(WebhookDelivery).where(
                col(WebhookDelivery.public_id) == delivery_id,
                col(WebhookDelivery.endpoint_id) == id_of(endpoint),
            )
        )
        .scalars()
        .first()
    )
    if delivery is None or not may_receive(session=session, delivery=delivery, endpoint=endpoint):
        raise NotFoundError(f"No delivery {delivery_id} of webhook {webhook_id}.")
    delivery.state = DeliveryState.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = now
    session.add(delivery)
    session.flush()


def _may_see(session: Session, party_id: int, event: WebhookEvent) -> bool:
    """The endpoint's party may see the commitment, and its state at the event's time."""
    since = col(CommitmentReleasability.history_from)
    return (
        session.execute(
            select(col(CommitmentReleasability.commitment_id)).where(
                col(CommitmentReleasability.commitment_id) == event.commitment_id,
                col(CommitmentReleasability.party_id) == party_id,
                or_(since.is_(None), since <= event.created_at),
            )
        ).first()
        is not None
    )


def may_receive(*, session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> bool:
    """The endpoint's party may see, now, what the delivery carries (the commitment, and its
    state at the event's time): asked again when it is sent and when it is redelivered."""
    event = session.get(WebhookEvent, delivery.event_id)
    return event is not None and _may_see(session, endpoint.party_id, event)


def _changes_for(session: Session, event: WebhookEvent, party_id: int) -> Any:
    """The event's changes as the endpoint's party may see them: the statement a candidate
    came from only if the party reads it (the documents' rule, as on every channel)."""
    candidate = event.changes.get("candidate") if isinstance(event.changes, dict) else None
    if not isinstance(candidate, dict):
        return event.changes
    document_id = session.execute(
        select(col(SourceDocument.id)).where(col(SourceDocument.slug) == candidate.get("document"))
    ).scalar()
    if (
        document_id is not None
        and session.execute(
            select(readable_by_party(literal(document_id), literal(party_id)))
        ).scalar()
    ):
        return event.changes
    return event.changes | {"candidate": candidate | {"document": None, "number": None}}


def _body(event: WebhookEvent, ref: str, changes: Any) -> str:
    document = {
        "id": event.public_id,
        "type": event.type,
        "occurred_at": event.created_at.isoformat(),
        "actor": event.actor,
        "commitment": {"ref": ref, "version": event.version},
        "changes": changes,
    }
    return orjson.dumps(document).decode()


def fan_out(*, session: Session, now: datetime) -> int:
    """Each new event becomes a delivery to each live endpoint that wants it, was registered
    before it happened, and whose party may see it; returns how many deliveries were queued."""
    events = session.execute(
        select(WebhookEvent, col(Commitment.ref))
        .join(Commitment, col(Commitment.id) == col(WebhookEvent.commitment_id))
        .where(col(WebhookEvent.fanned_out_at).is_(None))
        .order_by(col(WebhookEvent.id))
        .with_for_update(skip_locked=True, of=WebhookEvent)
    ).all()
    endpoints = list(
        session.execute(
            select(WebhookEndpoint).where(col(WebhookEndpoint.disabled_at).is_(None))
        ).scalars()
    )
    queued = 0
    for event, ref in events:
        for endpoint in endpoints:
            if (
                event.type in endpoint.events
                and endpoint.created_at <= event.created_at
                and _may_see(session, endpoint.party_id, event)
            ):
                session.add(
                    WebhookDelivery(
                        event_id=id_of(event),
                        endpoint_id=id_of(endpoint),
                        commitment_id=event.commitment_id,
                        body=_body(event, ref, _changes_for(session, event, endpoint.party_id)),
                        next_attempt_at=now,
                    )
                )
                queued += 1
        event.fanned_out_at = now
        session.add(event)
    session.flush()
    return queued


def prune_webhooks(*, session: Session, before: datetime) -> tuple[int, int]:
    """Delete the deliveries that ended (delivered or given up) before `before`, then the
    events fanned out before it that no delivery waits on; returns (deliveries, events)."""
    ended = func.coalesce(col(WebhookDelivery.delivered_at), col(WebhookDelivery.next_attempt_at))
    deliveries = session.execute(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.state) != DeliveryState.pending.value, ended < before
        ),
        execution_options={UNCHANGED: True},
    )
    waited_on = (
        select(col(WebhookDelivery.id))
        .where(col(WebhookDelivery.event_id) == col(WebhookEvent.id))
        .exists()
    )
    events = session.execute(
        delete(WebhookEvent).where(col(WebhookEvent.fanned_out_at) < before, ~waited_on),
        execution_options={UNCHANGED: True},
    )
    return int(deliveries.rowcount or 0), int(events.rowcount or 0)  # type: ignore[attr-defined]


BACKOFF_CAP = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, at most BACKOFF_CAP."""
    return min(timedelta(minutes=2 ** (attempts - 1)), BACKOFF_CAP)
