from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import Database
from app.core.errors import NotReadyError
from app.core.migrations import current_revision
from app.core.openapi import problem_responses
from app.core.responses import json_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return json_response({"status": "ok"})


@router.get("/readyz", responses=problem_responses(503))
def readyz(request: Request) -> Response:
    """The database answers and its schema is at the newest migration."""
    database: Database = request.app.state.database
    head: str | None = request.app.state.migration_head
    try:
        with database.reader.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = current_revision(connection)
    except SQLAlchemyError as exc:
        raise NotReadyError("The database is unreachable.") from exc
    if current != head:
        raise NotReadyError(
            f"The schema is at {current}, not {head}: run 'commitments db upgrade'."
        )
    return json_response(
        {"status": "ready", "database": database.reader.dialect.name, "revision": current}
    )
