"""The webhooks job: fan new events out, then POST each due delivery, signed; in order per
commitment and endpoint (a later event waits while an earlier one is being retried)."""

import time
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlmodel import Session, col

from app.core.changes import unseen
from app.core.config import Settings
from app.core.db import Database
from app.core.egress import EgressRefusedError, Resolver, system_resolve
from app.core.egress_http import failure_class, guarded_client
from app.jobs.service import JobContext
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
        .order_by(col(WebhookDelivery.id))
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


def _withheld(database: Database, delivery_id: int) -> bool:
    """Withhold a delivery whose endpoint's party no longer sees what it carries (released
    no more since it was queued): it ends without an attempt, and the log says no more."""
    with database.transaction() as session:
        unseen(session)
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
        if may_receive(session=session, delivery=delivery, endpoint=endpoint):
            return False
        delivery.state = DeliveryState.withheld.value
        session.add(delivery)
        return True


def _attempt(
    database: Database, delivery_id: int, outcome: tuple[int | None, str | None], now: datetime
) -> tuple[bool, bool]:
    """Record an attempt; (delivered, whether the endpoint is now suspended)."""
    with database.transaction() as session:
        unseen(session)
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
        assert endpoint is not None
        delivered = _settle(delivery, endpoint, outcome, now)
        session.add_all([delivery, endpoint])
        return delivered, endpoint.suspended_at is not None


def deliver(
    *, database: Database, settings: Settings, now: datetime, client: httpx.Client
) -> tuple[int, int]:
    """Send what is due, each attempt recorded in a transaction of its own (no transaction
    waits on a receiver); returns (delivered, failed attempts)."""
    key = settings.webhook_key.get_secret_value() if settings.webhook_key else ""
    with database.transaction(write=False) as session:
        pending = _pending(session)
        session.expunge_all()
    waiting: set[tuple[int, int]] = set()
    suspended: set[int] = set()
    delivered = failed = 0
    for delivery, endpoint in pending:
        line = (delivery.endpoint_id, delivery.commitment_id)
        if line in waiting or delivery.endpoint_id in suspended:
            continue
        if delivery.next_attempt_at > now:
            waiting.add(line)
            continue
        if _withheld(database, delivery.id or 0):
            continue
        outcome = _post(client, delivery, endpoint, key)
        sent, stopped = _attempt(database, delivery.id or 0, outcome, now)
        if stopped:
            suspended.add(delivery.endpoint_id)
        if sent:
            delivered += 1
        else:
            failed += 1
            waiting.add(line)
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
