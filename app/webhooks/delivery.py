"""The webhooks job: fan new events out, then POST each due delivery, signed; in order per
commitment and endpoint (a later event waits while an earlier one is being sent or retried).

Each delivery is claimed before it is posted, with a lease the sending run renews while it
lives: any number of workers and overlapping runs post each attempt once. A run that dies
mid-post leaves its claim to lapse, and a later run posts that delivery again: across a crash
a delivery may arrive twice (at least once), with the same Webhook-Id for the receiver to
drop the second."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.core.changes import UNCHANGED, unseen
from app.core.config import Settings
from app.core.db import AnySelect, Database
from app.core.egress import EgressRefusedError, Resolver, system_resolve
from app.core.egress_http import failure_class, guarded_client
from app.core.job_context import JobContext, lease_of
from app.core.lease import holder_name, renewed
from app.core.time import utcnow
from app.webhooks.enums import DeliveryState
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.service import backoff, egress_policy, fan_out, may_receive, record_overdue
from app.webhooks.signing import secret_of, signature

MAX_ATTEMPTS = 8
SUSPEND_AFTER_FAILURES = 20
TIMEOUT_SECONDS = 10.0


def _pending(session: Session) -> list[tuple[WebhookDelivery, WebhookEndpoint]]:
    rows = session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.state) == DeliveryState.pending.value,
            col(WebhookEndpoint.disabled_at).is_(None),
            col(WebhookEndpoint.suspended_at).is_(None),
        )
        .order_by(col(WebhookDelivery.event_id), col(WebhookDelivery.id))
    ).all()
    return [(delivery, endpoint) for delivery, endpoint in rows]


def _post(
    client: httpx.Client, delivery: WebhookDelivery, endpoint: WebhookEndpoint, key: str
) -> tuple[int | None, str | None]:
    body = delivery.body.encode()
    stamp = int(time.time())
    secret = secret_of(key, endpoint.id or 0, endpoint.nonce)
    headers = {
        "Content-Type": "application/json",
        "Webhook-Id": delivery.public_id,
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": signature(secret, stamp, body),
        "User-Agent": "alliance-commitments-webhooks",
    }
    try:
        answer = client.post(endpoint.url, content=body, headers=headers)
    except (httpx.HTTPError, EgressRefusedError) as error:
        return None, failure_class(error)  # never the socket's own words
    if answer.is_success:
        return answer.status_code, None
    return answer.status_code, f"HTTP {answer.status_code}"


def _settle(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    outcome: tuple[int | None, str | None],
    now: datetime,
) -> bool:
    """Record an attempt; True when it was delivered."""
    status, error = outcome
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if error is None:
        delivery.state, delivery.delivered_at = DeliveryState.delivered.value, now
        endpoint.consecutive_failures = 0
        return True
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= SUSPEND_AFTER_FAILURES:
        endpoint.suspended_at = endpoint.suspended_at or now
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.failed.value
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


class Claim(Enum):
    claimed = "claimed"
    busy = "busy"  # claimed by another run, no longer due, or behind an earlier one
    withheld = "withheld"


@dataclass(frozen=True)
class Sender:
    """A run sending deliveries: who it is (the holder of its claims) and how long a claim
    lasts without renewal."""

    database: Database
    holder: str
    lease: timedelta


def _claimable(delivery_id: int, now: datetime, clock: datetime) -> AnySelect:
    """The delivery, if it may be claimed: pending, due, unclaimed (or its claim lapsed), to
    a live endpoint, and no earlier event of its commitment waiting for that endpoint."""
    earlier = aliased(WebhookDelivery)
    ahead = select(col(earlier.id)).where(
        col(earlier.endpoint_id) == col(WebhookDelivery.endpoint_id),
        col(earlier.commitment_id) == col(WebhookDelivery.commitment_id),
        col(earlier.state) == DeliveryState.pending.value,
        col(earlier.event_id) < col(WebhookDelivery.event_id),
    )
    return (
        select(col(WebhookDelivery.id))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.state) == DeliveryState.pending.value,
            col(WebhookDelivery.next_attempt_at) <= now,
            or_(
                col(WebhookDelivery.claim_until).is_(None),
                col(WebhookDelivery.claim_until) <= clock,
            ),
            col(WebhookEndpoint.disabled_at).is_(None),
            col(WebhookEndpoint.suspended_at).is_(None),
            ~ahead.exists(),
        )
        # PostgreSQL: a row another run is claiming is passed over, not waited for. SQLite
        # has no row locks: its write transaction holds the whole database.
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )


def _claim(sender: Sender, delivery_id: int, now: datetime) -> Claim:
    """Claim a delivery before it is sent, in a short transaction of its own, so that of any
    number of runs one posts it. One whose endpoint's party no longer sees what it carries
    (released no more since it was queued) is withheld instead: it ends unsent."""
    clock = utcnow()
    with sender.database.transaction() as session:
        unseen(session)
        if session.execute(_claimable(delivery_id, now, clock)).first() is None:
            return Claim.busy
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
        if may_receive(session=session, delivery=delivery, endpoint=endpoint):
            delivery.claimed_by, delivery.claim_until = sender.holder, clock + sender.lease
            claim = Claim.claimed
        else:
            delivery.state = DeliveryState.withheld.value
            claim = Claim.withheld
        session.add(delivery)
        return claim


def _renew(sender: Sender) -> None:
    with sender.database.transaction() as session:
        session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.state) == DeliveryState.pending.value,
                col(WebhookDelivery.claimed_by) == sender.holder,
            )
            .values(claim_until=utcnow() + sender.lease),
            execution_options={UNCHANGED: True},
        )


def _attempt(
    sender: Sender, delivery_id: int, outcome: tuple[int | None, str | None], now: datetime
) -> tuple[bool, bool] | None:
    """Record an attempt and end the claim; (delivered, whether the endpoint is now
    suspended), or None when the claim was lost (it lapsed and another run took it)."""
    with sender.database.transaction() as session:
        unseen(session)
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        assert delivery is not None
        if delivery.claimed_by != sender.holder or delivery.state != DeliveryState.pending:
            return None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
        assert endpoint is not None
        delivered = _settle(delivery, endpoint, outcome, now)
        delivery.claimed_by = delivery.claim_until = None
        session.add_all([delivery, endpoint])
        return delivered, endpoint.suspended_at is not None


def deliver(
    *, database: Database, settings: Settings, now: datetime, client: httpx.Client
) -> tuple[int, int]:
    """Send what is due, each delivery claimed before it is posted and its attempt recorded
    in transactions of their own (no transaction waits on a receiver); returns (delivered,
    failed attempts). Any number of runs may deliver at once: each delivery is posted by the
    one that claims it, in order per commitment and endpoint."""
    key = settings.webhook_key.get_secret_value() if settings.webhook_key else ""
    sender = Sender(database, holder_name(), lease_of(settings))
    with database.transaction(write=False) as session:
        pending = _pending(session)
        session.expunge_all()
    waiting: set[tuple[int, int]] = set()
    suspended: set[int] = set()
    delivered = failed = 0
    with renewed(partial(_renew, sender), every=sender.lease.total_seconds() / 3):
        for delivery, endpoint in pending:
            line = (delivery.endpoint_id, delivery.commitment_id)
            if line in waiting or delivery.endpoint_id in suspended:
                continue
            if delivery.next_attempt_at > now:  # not due: no claim asked for
                waiting.add(line)
                continue
            claim = _claim(sender, delivery.id or 0, now)
            if claim is not Claim.claimed:
                if claim is Claim.busy:
                    waiting.add(line)
                continue
            outcome = _post(client, delivery, endpoint, key)
            settled = _attempt(sender, delivery.id or 0, outcome, now)
            if settled is None or not settled[0]:
                waiting.add(line)  # what follows in its line waits behind it
            if settled is not None:
                sent, stopped = settled
                if stopped:
                    suspended.add(delivery.endpoint_id)
                delivered, failed = delivered + sent, failed + (not sent)
    return delivered, failed


def webhook_client(settings: Settings, resolve: Resolver = system_resolve) -> httpx.Client:
    """The client deliveries are posted with: only where the egress policy allows."""
    return guarded_client(policy=egress_policy(settings), timeout=TIMEOUT_SECONDS, resolve=resolve)


def send_webhooks(context: JobContext, resolve: Resolver = system_resolve) -> str:
    """The webhooks job (`resolve`: how receivers' names are resolved)."""
    if context.dry_run:
        return "would fan out new events and send the deliveries that are due"
    on = context.now.astimezone(context.settings.zone).date()
    with context.database.transaction() as session:
        unseen(session)
        overdue = record_overdue(session=session, on=on, at=context.now)
        queued = fan_out(session=session, now=context.now)
    with webhook_client(context.settings, resolve) as client:
        delivered, failed = deliver(
            database=context.database, settings=context.settings, now=context.now, client=client
        )
    return (
        f"{overdue} overdue event(s), {queued} queued, {delivered} delivered, "
        f"{failed} failed attempt(s)"
    )
