"""One-off queries of a benchmark register, each on a short-lived engine of its own."""

from typing import Any

from sqlalchemy import Row, create_engine, text


def rows(url: str, statement: str, parameters: dict[str, Any] | None = None) -> list[Row[Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(statement), parameters or {}).all())
    finally:
        engine.dispose()


def scalar(url: str, statement: str, parameters: dict[str, Any] | None = None) -> Any:
    found = rows(url, statement, parameters)
    return found[0][0] if found else None
