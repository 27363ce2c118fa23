import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache, partial
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.areas.router import router as areas_router
from app.areas.router import topics_router
from app.board import STATIC_DIR as BOARD_STATIC
from app.board import router as board_router
from app.calendar.router import router as calendar_router
from app.commitments.reads import CommitmentReads
from app.commitments.router import router as commitments_router
from app.commitments.visibility import audience_of
from app.contacts.router import router as contacts_router
from app.core.answers import AnswersBeforeRouting, Reader
from app.core.cache import BodyTags, ResponseCache
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.egress import system_resolve
from app.core.headers import SecurityHeaders
from app.core.limits import BodySizeLimit
from app.core.logging import install_redaction
from app.core.metrics import Metrics
from app.core.observability import ObserveRequests
from app.core.openapi import operation_id, state_preconditions_in_schema
from app.core.problems import install_problem_handlers
from app.core.ratelimit import FailureLimiter
from app.core.redirects import redirect_slashes_to_public_url
from app.core.security import Principal
from app.core.strict_query import refuse_unknown_query_parameters
from app.core.time import today
from app.database_schema import current_revision, head_revision
from app.documents.router import router as documents_router
from app.health.readiness import Readiness
from app.health.router import router as health_router
from app.ingest.router import router as ingest_router
from app.meetings.router import router as meetings_router
from app.parties.router import router as parties_router
from app.reminders.router import router as reminders_router
from app.reports.router import router as reports_router
from app.reports.service import overdue_total
from app.users.auth import authenticate_before_refusing
from app.users.gate import TokenGate
from app.users.router import router as users_router
from app.webhooks.router import router as webhooks_router

SWAGGER_STATIC = Path(__file__).parent / "core" / "static" / "swagger"

DESCRIPTION = """
A register of the commitments made in allied joint statements: each one traceable to the
sentence it came from, with its parties, priority areas, leads, status and due date.

Errors are RFC 9457 `application/problem+json` documents.
"""


def _metrics(settings: Settings, database: Database) -> Metrics | None:
    if settings.metrics == "off":
        return None
    metrics = Metrics(database.reader)

    def overdue_now(scraper: Principal | None) -> float:
        with database.transaction(write=False) as session:
            return overdue_total(session=session, principal=scraper, on=today())

    metrics.gauge(
        "commitments_overdue_items",
        "Open commitments and cycles past their due date that the scraping token's party "
        "may see (across the register for an administrator's token, or when metrics are open)",
        overdue_now,
    )
    return metrics


def _reader(gate: TokenGate, token: str) -> Reader | None:
    caller = gate.caller(token)
    if caller is None:
        return None
    principal = caller.principal
    return Reader(principal, audience_of(principal), caller.register_changes)


@cache
def _freeze_start_up() -> None:
    """What the first start-up built (modules, routes, schemas) lives as long as the process:
    kept out of the collector's reach, a full collection no longer walks it on a request's
    time. Once a process: later apps (tests build many) leave their garbage collectable."""
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        _freeze_start_up()
        yield
        app.state.database.dispose()

    app = FastAPI(
        title="Alliance Commitments",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query_parameters)],
        # Operation ids are the endpoints' names (list_commitments), for generated clients.
        generate_unique_id_function=operation_id,
        # Swagger UI is served from the app's own files (below): ministry networks are closed.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    redirect_slashes_to_public_url(app.router, settings.public_url)
    state_preconditions_in_schema(app)
    # Every table is imported by now (app.database_schema imports app.models): foreign keys
    # between packages resolve only then.
    app.state.database = Database(settings)
    app.state.request_gate = anyio.CapacityLimiter(settings.worker_threads)
    app.state.ingest_slots = anyio.CapacityLimiter(settings.ingest_concurrency)
    budget = settings.response_cache_mb * 1024 * 1024
    app.state.response_cache = ResponseCache(budget) if budget else None
    app.state.body_tags = BodyTags()
    app.state.migration_head = head_revision(settings.database_url)
    app.state.outages = app.state.database.outages
    app.state.readiness = Readiness(
        app.state.database,
        head=app.state.migration_head,
        revision_of=current_revision,
        outages=app.state.outages,
        deadline=settings.readiness_timeout_seconds,
    )
    install_problem_handlers(app, authenticate=authenticate_before_refusing)
    app.state.auth_failures = FailureLimiter(
        limit=settings.auth_failures_per_minute, storage_uri=settings.rate_limit_storage
    )
    app.state.token_gate = TokenGate(app.state.database)
    # How the names in URLs that callers give (webhooks) are resolved before they are vetted.
    app.state.resolve = system_resolve
    # Innermost: an answer given before routing passes every other layer, as a full one does.
    app.add_middleware(
        AnswersBeforeRouting,
        cache=app.state.response_cache,
        identify=partial(_reader, app.state.token_gate),
        gate=app.state.request_gate,
        reads=[CommitmentReads(app.state.database)] if settings.direct_reads else [],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
            ],
            expose_headers=["ETag", "Idempotent-Replayed", "Link", "Location"],
        )
    app.add_middleware(SecurityHeaders)
    app.state.metrics = _metrics(settings, app.state.database)
    # Around everything but the proxy headers: every answer, a 413 included, has its id.
    app.add_middleware(ObserveRequests, metrics=app.state.metrics)
    if settings.trusted_proxies:
        # Outermost, so that every other layer sees the client's address and scheme.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    for router in (
        health_router,
        commitments_router,
        documents_router,
        ingest_router,
        areas_router,
        topics_router,
        parties_router,
        meetings_router,
        contacts_router,
        users_router,
        reports_router,
        calendar_router,
        webhooks_router,
        reminders_router,
        board_router,
    ):
        app.include_router(router)
    _serve_pages(app)
    return app


def _serve_pages(app: FastAPI) -> None:
    """The board, Swagger UI and their assets, all from the app's own files."""
    app.mount("/board/static", StaticFiles(directory=BOARD_STATIC), name="board-static")
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_STATIC), name="swagger-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Alliance Commitments API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/board")
