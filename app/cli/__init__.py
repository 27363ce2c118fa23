"""The ``commitments`` command. Heavy imports stay inside the commands that need them, so
commands that only talk to the API start fast."""

import sys

import typer

from app.cli.backup import export, import_
from app.cli.database import db_app, seed
from app.cli.errors import CliError, describe
from app.cli.overdue import overdue
from app.cli.server import serve
from app.cli.users import tokens_app, users_app

app = typer.Typer(
    name="commitments",
    help="Alliance Commitments: the register of commitments made in allied joint statements.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.command()(seed)
app.command()(serve)
app.command()(overdue)
app.command()(export)
app.command(name="import")(import_)


def main() -> None:
    try:
        app()
    except CliError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        typer.echo(f"error: {describe(exc)}", err=True)
        sys.exit(2)
