from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError
from app.cli.progress import terminal_progress

if TYPE_CHECKING:
    from app.core.config import Settings
    from app.core.db import Database

db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)


def open_database(settings: "Settings") -> "Database":
    """The database of the commands that use one, every table imported first: foreign keys
    between packages resolve only then."""
    import app.models  # noqa: F401
    from app.core.db import Database

    return Database(settings)


def _database_url() -> str:
    from app.core.config import get_settings

    return get_settings().database_url


@db_app.command()
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from app.database_schema import upgrade as run_upgrade

    run_upgrade(_database_url(), revision)
    typer.echo(f"Database at {revision}.")


# "-1" is a revision, not an option.
@db_app.command(context_settings={"ignore_unknown_options": True})
def downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to REVISION."""
    from app.database_schema import downgrade as run_downgrade

    run_downgrade(_database_url(), revision)
    typer.echo(f"Database at {revision}.")


@db_app.command()
def current() -> None:
    """Print the database's revision and the newest one."""
    from sqlalchemy import create_engine

    from app.database_schema import current_revision, head_revision

    url = _database_url()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    head = head_revision(url)
    state = "up to date" if revision == head else f"behind head {head}"
    typer.echo(f"{revision or 'empty (no migrations applied)'} ({state})")


@db_app.command()
def check() -> None:
    """Fail (exit 1) if the models and the migrated schema differ."""
    from sqlalchemy import create_engine

    from app.database_schema import drift

    engine = create_engine(_database_url())
    try:
        differences = drift(engine)
    finally:
        engine.dispose()
    if differences:
        for difference in differences:
            typer.echo(f"drift: {difference}", err=True)
        raise typer.Exit(1)
    typer.echo("No drift: the schema matches the models.")


def seed(
    seeds_dir: Annotated[
        Path | None, typer.Option(help="Folder with reference.toml and documents/.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the register has no commitments.")
    ] = False,
) -> None:
    """Load the seed files (idempotent: never overwrites what users changed)."""
    from sqlmodel import func, select

    from app.commitments import Commitment
    from app.core.config import get_settings
    from app.seeding import SeedError, seed_register

    settings = get_settings()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            if if_empty and session.execute(select(func.count()).select_from(Commitment)).scalar():
                typer.echo("The register already has commitments: seeds not loaded.")
                return
            with terminal_progress() as progress:
                report = seed_register(
                    session=session, seeds_dir=seeds_dir or settings.seeds_dir, progress=progress
                )
    except SeedError as exc:
        raise CliError(str(exc)) from exc
    finally:
        database.dispose()
    typer.echo(report.summary())
