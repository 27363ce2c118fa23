"""Run every reliability check and print one summary table (Markdown).

    python -m bench.reliability [--pg-url URL] [--soak-seconds 20] [--fuzz-examples 50]

Steps: the fault tests (hostile input, crash safety, backup, migrations, security, races,
outages, jobs) on SQLite and on PostgreSQL; fuzzing on both; the soak at 16 and 64 clients on
both, and 64 clients against a single worker.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.reset_database import reset

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TESTS = [
    "tests/test_hostile_input.py",
    "tests/test_crash_safety.py",
    "tests/backup",
    "tests/migrations",
    "tests/core/test_security.py",
    "tests/core/test_logging.py",
    "tests/core/test_outages.py",
    "tests/cli/test_server.py",
    "tests/commitments/test_edits.py::test_two_editors_racing_exactly_one_wins",
    "tests/board/test_conflicts.py",
    "tests/board/test_browser.py::test_two_editors_change_other_fields_of_one_commitment_and_both_changes_stay",
    "tests/client/test_queries.py",
    "tests/client/test_unreachable.py",
    "tests/client/test_client_errors.py",
    "tests/reminders/test_workers.py",
    "tests/core/test_idempotency.py",
    "tests/client/test_idempotent_retries.py",
    "tests/webhooks/test_delivery_claims.py",
    "tests/jobs/test_abandoned_runs.py",
]
FIGURE = re.compile(r"(\d+ passed.*?in [\d.]+s|fuzz: .*|soak: .*)")


def step(name: str, command: list[str], env: dict[str, str]) -> tuple[str, bool, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=ROOT, env=os.environ | env, capture_output=True, text=True, check=False
    )
    found = FIGURE.findall(result.stdout)
    own = [f for f in found if f.startswith(("fuzz", "soak"))]
    summary = "; ".join(own) if own else (found[-1] if found else result.stderr.strip()[-200:])
    return name, result.returncode == 0, summary, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--soak-seconds", default="20")
    parser.add_argument("--fuzz-examples", default="50")
    args = parser.parse_args()
    pytest = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    steps = [
        (
            f"fault tests ({backend})",
            [*pytest, *TESTS],
            {"COMMITMENTS_TEST_DATABASE_URL": url},
        )
        for backend, url in (("SQLite", ""), ("PostgreSQL", args.pg_url))
    ]
    steps += [
        (
            "fuzzing (SQLite)",
            [*pytest, "-s", "tests/test_fuzz.py"],
            {"COMMITMENTS_TEST_DATABASE_URL": "", "FUZZ_EXAMPLES": args.fuzz_examples},
        ),
        (
            "fuzzing (PostgreSQL)",
            [*pytest, "-s", "tests/test_fuzz.py"],
            {"COMMITMENTS_TEST_DATABASE_URL": args.pg_url, "FUZZ_EXAMPLES": args.fuzz_examples},
        ),
    ]
    (ROOT / "var").mkdir(exist_ok=True)
    for clients in ("16", "64"):
        for backend in ("SQLite", "PostgreSQL"):
            if backend == "SQLite":
                for leftover in (ROOT / "var").glob("soak.db*"):
                    leftover.unlink()
                url = f"sqlite:///{ROOT / 'var' / 'soak.db'}"
            else:
                url = reset(args.pg_url, "soak_run")
            steps.append(
                (
                    f"soak, {clients} clients ({backend})",
                    [
                        PYTHON,
                        "-m",
                        "bench.soak",
                        "--database-url",
                        url,
                        "--clients",
                        clients,
                        "--seconds",
                        args.soak_seconds,
                    ],
                    {},
                )
            )
    # One worker, 64 requests in flight: more than its 16 threads and 20 connections. Passing
    # shows no request waits for a thread while it holds a connection.
    steps.append(
        (
            "soak, 64 clients, 1 worker (PostgreSQL)",
            [
                PYTHON,
                "-m",
                "bench.soak",
                "--database-url",
                reset(args.pg_url, "soak_one"),
                "--clients",
                "64",
                "--workers",
                "1",
                "--seconds",
                args.soak_seconds,
            ],
            {},
        )
    )
    rows = [step(name, command, env) for name, command, env in steps]
    print("| check | result | figures | seconds |")
    print("| --- | --- | --- | ---: |")
    for name, ok, figures, seconds in rows:
        print(f"| {name} | {'OK' if ok else 'FAILED'} | {figures} | {seconds:.0f} |")
    return 0 if all(ok for _, ok, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
