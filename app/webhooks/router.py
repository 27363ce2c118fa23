from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.time import utcnow
from app.history import PUBLIC_ID_LENGTH
from app.users import AdminUser
from app.webhooks import service
from app.webhooks.models import (
    DELIVERY_ID_PATTERN,
    WEBHOOK_ID_PATTERN,
    DeliveryList,
    WebhookCreate,
    WebhookIssued,
    WebhookList,
    WebhookPublic,
)

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    responses=problem_responses(400, 401, 403, 422, 429),
)
WebhookPath = Annotated[str, Path(pattern=WEBHOOK_ID_PATTERN, max_length=PUBLIC_ID_LENGTH)]
DeliveryPath = Annotated[str, Path(pattern=DELIVERY_ID_PATTERN, max_length=PUBLIC_ID_LENGTH)]


@router.post("", response_model=WebhookIssued, status_code=201, responses=problem_responses(409))
def register_webhook(
    request: Request, body: WebhookCreate, _: AdminUser, session: SessionDep
) -> Response:
    """Register an endpoint for a party's events; the signing secret is in this response only.
    Events are POSTed as JSON with `Webhook-Id`, `Webhook-Timestamp` and `Webhook-Signature`
    (`v1=` HMAC-SHA256 of `<timestamp>.<body>`, hex). Only https to a public address, or a
    network the server allows, is accepted (422 otherwise)."""
    settings = request.app.state.settings
    key = settings.webhook_key
    issued = service.register(
        session=session,
        request=body,
        key=key.get_secret_value() if key else None,
        policy=service.egress_policy(settings),
        resolve=request.app.state.resolve,
    )
    return json_response(issued, status_code=201)


@router.get("", response_model=WebhookList)
def list_webhooks(_: AdminUser, session: SessionDep) -> Response:
    return json_response(WebhookList(items=service.list_webhooks(session=session)))


@router.delete("/{webhook_id}", response_model=WebhookPublic, responses=problem_responses(404))
def disable_webhook(webhook_id: WebhookPath, _: AdminUser, session: SessionDep) -> Response:
    """Stop sending to an endpoint (nothing is deleted)."""
    return json_response(service.disable(session=session, webhook_id=webhook_id, now=utcnow()))


@router.post(
    "/{webhook_id}/resume", response_model=WebhookPublic, responses=problem_responses(404, 409)
)
def resume_webhook(webhook_id: WebhookPath, _: AdminUser, session: SessionDep) -> Response:
    """Send again to an endpoint suspended after repeated failures: what was queued meanwhile
    goes out at the next run of the webhooks job, in order."""
    return json_response(service.resume(session=session, webhook_id=webhook_id, now=utcnow()))


@router.get(
    "/{webhook_id}/deliveries", response_model=DeliveryList, responses=problem_responses(404)
)
def list_deliveries(webhook_id: WebhookPath, _: AdminUser, session: SessionDep) -> Response:
    """The endpoint's latest deliveries, newest first, with the last answer of each."""
    items = service.deliveries(session=session, webhook_id=webhook_id)
    return json_response(DeliveryList(webhook=webhook_id, items=items))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=problem_responses(404),
)
def redeliver(
    webhook_id: WebhookPath, delivery_id: DeliveryPath, _: AdminUser, session: SessionDep
) -> Response:
    """Send a delivery again at the next run of the webhooks job."""
    service.redeliver(session=session, webhook_id=webhook_id, delivery_id=delivery_id, now=utcnow())
    return Response(status_code=202)
