"""The SQLModel base every table module imports, with the constraint naming convention set
before any table is declared (a convention applies only to tables defined after it)."""

from typing import Protocol

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

__all__ = ["SQLModel", "id_of", "metadata"]


class _HasId(Protocol):
    id: int | None


def id_of(row: _HasId) -> int:
    """The primary key of a row that has been flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id until it is flushed")
    return row.id
