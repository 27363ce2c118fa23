"""The floors: a bare FastAPI app on the same server settings as the real one.

Reads answer fixed bytes from memory (what the real app answered for the same request);
the write does one raw UPDATE and one INSERT in one transaction on the same database, through
the same engine settings. What the real app does beyond these is its own cost.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import Body, FastAPI
from fastapi.responses import Response
from sqlalchemy import bindparam, text

from app.core.config import get_settings
from app.core.db import Database, UTCDateTime
from app.core.time import utcnow

UPDATE = text(
    "UPDATE commitment SET title = :title, version = version + 1, updated_at = :now "
    "WHERE ref = :ref RETURNING id, version"
).bindparams(bindparam("now", type_=UTCDateTime))
INSERT = text(
    "INSERT INTO commitment_history "
    "(commitment_id, version, field, old_value, new_value, actor_name, channel, changed_at) "
    "VALUES (:id, :version, 'title', NULL, :new_value, 'floor', 'api', :now)"
).bindparams(bindparam("now", type_=UTCDateTime))


def create_floor_app() -> FastAPI:
    settings = get_settings()
    bodies = Path(os.environ["BENCH_FLOOR_BODIES"])
    list_body = (bodies / "list.json").read_bytes()
    one_body = (bodies / "one.json").read_bytes()
    database = Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield
        database.dispose()

    app = FastAPI(lifespan=lifespan, openapi_url=None)

    @app.get("/floor/ready")
    async def ready() -> Response:
        return Response(b"ok")

    @app.get("/floor/list")
    async def page() -> Response:
        return Response(list_body, media_type="application/json")

    @app.get("/floor/one")
    async def one() -> Response:
        return Response(one_body, media_type="application/json")

    @app.patch("/floor/commitments/{ref}")
    def write(ref: str, title: Annotated[str, Body(embed=True)]) -> Response:
        now = utcnow()
        with database.session() as session:
            changed = session.execute(UPDATE, {"title": title, "now": now, "ref": ref}).one()
            session.execute(
                INSERT,
                {
                    "id": changed.id,
                    "version": changed.version,
                    "new_value": f'"{title}"',
                    "now": now,
                },
            )
            session.commit()
        return Response(b'{"ok": true}', media_type="application/json")

    return app
