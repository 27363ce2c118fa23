"""Export everything (history included) to one versioned JSON document, and import it into an
empty database: ids, versions, token digests and timestamps come back as they were."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import JSON, Connection, Date, DateTime, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.backup.integrity import Rows, problems, rows_of, summary
from app.core.db import Database, UTCDateTime
from app.core.progress import SILENT, Progress
from app.core.time import utcnow
from app.database_schema import current_revision

FORMAT = "alliance-commitments-export"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(Exception):
    """The file or the target database is not fit for an import."""


def _tables() -> list[Table]:
    """The register's tables; not its change counter, which belongs to the database."""
    from app.models import RegisterState, metadata

    return [table for table in metadata.sorted_tables if table.name != RegisterState.__tablename__]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime | DateTime):
            decoders[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            decoders[column.name] = date.fromisoformat
        elif isinstance(column.type, JSON):
            decoders[column.name] = None
    return decoders


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        yield {key: _encode(value) for key, value in row.items()}


def _row_total(connection: Connection) -> int:
    return sum(
        connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in _tables()
    )


def _snapshot_options(database: Database) -> dict[str, Any]:
    """One read-only transaction that sees the register as it stood at one moment, whatever
    commits while the tables are read one after another: without it a PostgreSQL export
    holds notes without their history, or rows pointing at rows it does not hold."""
    if database.reader.dialect.name == "postgresql":
        return database.snapshot | {"postgresql_readonly": True}
    return database.snapshot


def export(*, database: Database, target: IO[str], progress: Progress = SILENT) -> dict[str, int]:
    """Write the document to `target`, a table at a time, all from one snapshot; return the
    row counts."""
    counts: dict[str, int] = {}
    reader = database.reader.execution_options(**_snapshot_options(database))
    with reader.connect() as connection, connection.begin():
        progress.start(total=_row_total(connection), description="Exporting")
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema_revision": current_revision(connection),
            "exported_at": utcnow().isoformat(),
        }
        target.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {')
        for position, table in enumerate(_tables()):
            target.write(("" if position == 0 else ", ") + json.dumps(table.name) + ": [")
            count = 0
            for row in _rows(connection, table):
                target.write(("" if count == 0 else ", ") + json.dumps(row, ensure_ascii=False))
                count += 1
                if count % BATCH == 0:
                    progress.advance(BATCH)
            progress.advance(count % BATCH)
            target.write("]")
            counts[table.name] = count
        target.write("}}\n")
    return counts


def _check_empty(connection: Connection) -> None:
    for table in _tables():
        if connection.execute(select(func.count()).select_from(table)).scalar():
            raise BackupError(
                f"the database is not empty ({table.name} has rows): import needs an empty one"
            )


def load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path} is not an export of this register")
    if document.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is export format {document.get('version')}, not {FORMAT_VERSION}"
        )
    return document


def _not_pipeline_noise(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("error ignored terminating")


@contextmanager
def _quiet_pipeline() -> Iterator[None]:
    """psycopg logs a second error as it closes a batch that the database refused: the
    refusal itself is what the import reports."""
    logger = logging.getLogger("psycopg")
    logger.addFilter(_not_pipeline_noise)
    try:
        yield
    finally:
        logger.removeFilter(_not_pipeline_noise)


def import_document(
    *, database: Database, document: dict[str, Any], progress: Progress = SILENT
) -> dict[str, int]:
    """Insert every row, in dependency order, in one transaction; return the row counts. A
    file that cannot be one state of the register is refused before anything is written."""
    try:
        tables = rows_of(document)
    except ValueError as exc:
        raise BackupError(f"the export is damaged: {exc}") from exc
    found = problems(_tables(), tables)
    if found:
        raise BackupError(
            "the export does not hold one state of the register (taken while it changed, or "
            f"altered since), so nothing was imported: {summary(found)}"
        )
    progress.start(total=sum(map(len, tables.values())), description="Importing")
    try:
        with _quiet_pipeline():
            return _insert(database=database, document=document, tables=tables, progress=progress)
    except SQLAlchemyError as exc:
        # What the checks above cannot see (a CHECK constraint, a lost connection): the
        # transaction is rolled back, so nothing is written.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(
            f"the database refused the import, so nothing was imported: {reason}"
        ) from exc


def _insert(
    *, database: Database, document: dict[str, Any], tables: Rows, progress: Progress
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with database.writer.connect() as connection, connection.begin():
        revision = current_revision(connection)
        if revision != document.get("schema_revision"):
            raise BackupError(
                f"the export is at schema {document.get('schema_revision')}, the database at "
                f"{revision}: migrate the database to the export's revision first"
            )
        _check_empty(connection)
        for table in _tables():
            decoders = _decoder(table)
            rows = tables.get(table.name, [])
            for start in range(0, len(rows), BATCH):
                batch = [
                    {
                        key: decoders[key](value)
                        if decoders.get(key) and value is not None
                        else value
                        for key, value in row.items()
                    }
                    for row in rows[start : start + BATCH]
                ]
                connection.execute(table.insert(), batch)
                progress.advance(len(batch))
            counts[table.name] = len(rows)
        if connection.dialect.name == "postgresql":
            for table in _tables():
                if "id" in table.columns and table.columns["id"].autoincrement:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return counts
