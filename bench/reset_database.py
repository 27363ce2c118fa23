"""Drop and create a PostgreSQL database next to the given one; print its URL.

python -m bench.reset_database postgresql+psycopg://postgres@127.0.0.1:5432/test soak_run
"""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def reset(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; return its URL."""
    admin_url = make_url(url)
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"not a database name: {name!r}")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    print(reset(sys.argv[1], sys.argv[2]))


if __name__ == "__main__":
    main()
