"""The write alone against its floor: a change of title, on SQLite and PostgreSQL.

    python -m bench.writes [--pg-url URL] [--seconds 10] [--workers 1]

Quicker than `make bench` when only the write path changed; the registers are its own
(`writes_100k`), generated on first use.
"""

import argparse

from bench.datasets import ensure, issue_tokens
from bench.http import compare_writes
from bench.wrk import wrk_path

REGISTER = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="Runs of each, one after the other")
    arguments = parser.parse_args()
    wrk_path()
    for url in ("sqlite:///bench.db", arguments.pg_url):
        dataset = ensure("writes_100k", url, REGISTER)
        token = issue_tokens(dataset.url)["editor"]
        for _ in range(arguments.runs):
            measured = compare_writes(dataset, token, arguments.workers, arguments.seconds)
            print(
                f"{dataset.backend}: app {measured.app.requests_per_second:,.0f} req/s, "
                f"floor {measured.floor.requests_per_second:,.0f} req/s, "
                f"ratio {measured.ratio:.2f}, failed {measured.app.failed}",
                flush=True,
            )


if __name__ == "__main__":
    main()
