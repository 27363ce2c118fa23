"""The ``commitments`` command. Heavy imports stay inside the commands that need them, so
commands that only talk to the API start fast."""

import sys
import traceback
from dataclasses import dataclass
from typing import Annotated

import typer

from app.cli.backup import export, import_
from app.cli.database import db_app, seed
from app.cli.errors import CliError, describe
from app.cli.extraction import extract_eval
from app.cli.ingest import ingest
from app.cli.jobs import jobs_app, worker
from app.cli.overdue import overdue
from app.cli.server import serve
from app.cli.users import tokens_app, users_app

app = typer.Typer(
    name="commitments",
    help="Alliance Commitments: the register of commitments made in allied joint statements.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


@dataclass
class _Options:
    debug: bool = False


_options = _Options()


def _print_version(requested: bool) -> None:
    if requested:
        from importlib.metadata import version

        typer.echo(f"commitments {version('alliance-commitments')}")
        raise typer.Exit()


@app.callback()
def options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="COMMITMENTS_DEBUG", help="On an error, print the traceback too."
        ),
    ] = False,
) -> None:
    """Alliance Commitments: the register of commitments made in allied joint statements."""
    _options.debug = debug


app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(jobs_app, name="jobs")
app.command()(seed)
app.command()(serve)
app.command()(overdue)
app.command()(export)
app.command(name="import")(import_)
app.command(name="extract-eval")(extract_eval)
app.command()(ingest)
app.command()(worker)


def main() -> None:
    try:
        app()
    except CliError as exc:
        _fail(exc, str(exc))
    except Exception as exc:
        _fail(exc, describe(exc))


def _fail(exc: Exception, message: str) -> None:
    if _options.debug:
        traceback.print_exception(exc, file=sys.stderr)
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)
