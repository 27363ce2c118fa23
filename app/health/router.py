from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from app.core.errors import NotFoundError
from app.core.metrics import Metrics
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.security import Principal
from app.core.sessions import SessionDep
from app.health.readiness import Readiness
from app.users import TokenScope, authenticate_request, authenticator, bearer, bearer_token

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> Response:
    """The process is up. Answered on the event loop, without the database or a thread."""
    return json_response({"status": "ok"})


@router.get("/readyz", responses=problem_responses(503))
async def readyz(request: Request) -> Response:
    """The database answers within the check's deadline (COMMITMENTS_READINESS_TIMEOUT_SECONDS),
    its schema is at the newest migration, and it can write."""
    readiness: Readiness = request.app.state.readiness
    ready = await readiness.check()
    return json_response({"status": "ready", "database": ready.dialect, "revision": ready.revision})


@dataclass(frozen=True)
class Scrape:
    metrics: Metrics
    scraper: Principal | None  # None: metrics are open to whoever reaches them


def metrics_reader(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Scrape:
    """By default only a token of scope "metrics" (issued by an administrator, good for
    nothing else) reads the metrics; what they count of the register is what the token's
    party may see."""
    metrics: Metrics | None = request.app.state.metrics
    if metrics is None:
        raise NotFoundError("Metrics are off (COMMITMENTS_METRICS=off).")
    if request.app.state.settings.metrics == "token":
        scraper = authenticate_request(
            request, session, credentials.credentials if credentials else None, TokenScope.metrics
        )
        return Scrape(metrics, scraper)
    return Scrape(metrics, None)


def _metrics_token(request: Request) -> tuple[str | None, TokenScope] | None:
    if request.app.state.metrics is None or request.app.state.settings.metrics != "token":
        return None
    return bearer_token(request), TokenScope.metrics


authenticator(metrics_reader, _metrics_token)


@router.get(
    "/metrics",
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"},
        **problem_responses(401, 404, 429),
    },
)
def metrics(scrape: Annotated[Scrape, Depends(metrics_reader)]) -> Response:
    """Prometheus metrics: requests and latency by route, database pool use, and the overdue
    items the token's party may see."""
    return Response(scrape.metrics.exposition(scrape.scraper), media_type=CONTENT_TYPE_LATEST)
