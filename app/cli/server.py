from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    create_admin: Annotated[
        bool,
        typer.Option(
            help="On a register without users, create the administrator 'admin' and print "
            "its token (--no-create-admin where the output is a shared log)."
        ),
    ] = True,
) -> None:
    """Serve the board (/board) and the API (Swagger UI at /docs); on first start, create an
    administrator."""
    import uvicorn

    from app.core.config import get_settings
    from app.core.logging import logging_config

    settings = get_settings()
    _bootstrap_unless_down(create_admin=create_admin)
    if workers > 1 and not reload:
        _share_metrics_between_workers()

    base = f"http://{host}:{port}"
    typer.echo(
        f"Serving on {base}\n"
        f"  The board: {base}/board (sign in with an API token: the administrator's, printed "
        "on the first start, or one 'commitments tokens create NAME' issues)\n"
        f"  API docs:  {base}/docs"
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        log_config=logging_config(log_format=settings.log_format, level=settings.log_level),
        # The app logs each request itself, with its id, user and duration.
        access_log=False,
        # Forwarded headers are read by the app, from COMMITMENTS_TRUSTED_PROXIES only; uvicorn
        # would otherwise believe any from 127.0.0.1, a local proxy's and an attacker's alike.
        proxy_headers=False,
    )


def _bootstrap_unless_down(*, create_admin: bool) -> None:
    """The start-up steps, unless the database is down: a server restarted during an outage
    still listens, answers /healthz, and answers 503 until the database is back."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.cli.users import bootstrap
    from app.core.outages import outage_of

    try:
        bootstrap(create_admin=create_admin)
    except SQLAlchemyError as error:
        outage = outage_of(error)
        if outage is None:
            raise
        typer.echo(
            f"warning: the database is unavailable ({outage.cause}); serving anyway: /readyz "
            "and every request answer 503 until it is back. The start-up steps (cycles, the "
            "first administrator) run at the next start.",
            err=True,
        )


def _share_metrics_between_workers() -> None:
    """Workers write their metrics to files in one fresh directory, read by every scrape.
    Set before the workers start, so that each inherits it."""
    import os
    import tempfile

    from app.core.metrics import MULTIPROCESS_DIRECTORY

    if not os.environ.get(MULTIPROCESS_DIRECTORY):
        os.environ[MULTIPROCESS_DIRECTORY] = tempfile.mkdtemp(prefix="commitments-metrics-")
