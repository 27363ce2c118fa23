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
    """Serve the API (Swagger UI at /docs); on first start, create an administrator."""
    import uvicorn

    from app.cli.users import bootstrap

    bootstrap(create_admin=create_admin)

    typer.echo(f"Serving on http://{host}:{port} (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        log_level="info",
        # Forwarded headers are read by the app, from COMMITMENTS_TRUSTED_PROXIES only; uvicorn
        # would otherwise believe any from 127.0.0.1, a local proxy's and an attacker's alike.
        proxy_headers=False,
    )
