"""The benchmark: every scenario against its floor, measured in the same run; a table of ratios.

    python -m bench.run [--pg-url URL] [--seconds 10] [--large 1000000] [--fresh]

Registers are generated on first use (bench.generate) and reused while they hold what was
asked. Load comes from wrk on 127.0.0.1. The table goes to stdout and bench/results/latest.md.
"""

import argparse
import os
import platform
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import reading
from bench.commands import (
    Timing,
    ingesting,
    overdue_command,
    seeded_database,
    seeding,
    stack_imports,
)
from bench.datasets import Dataset, ensure, issue_tokens
from bench.http import Comparison, compare
from bench.scans import Scan, Streamed, scans, streamed_report
from bench.wrk import CONNECTIONS, THREADS, wrk_path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.md"
# Ratios to the floor: the list and one commitment with every request reaching the database
# differ by backend; answers from memory do not.
TARGETS = {
    ("list", "SQLite"): 0.06,
    ("list", "PostgreSQL"): 0.05,
    ("one", "SQLite"): 0.40,
    ("one", "PostgreSQL"): 0.15,
    ("write", "SQLite"): 0.50,
    ("write", "PostgreSQL"): 0.40,
}
FROM_MEMORY_TARGETS = {"list, cached": 0.40, "list, 304": 0.60, "one, cached": 0.40}
P99_LIMIT = 3.0
SCAN_RATIO, SCAN_MS = 1.5, 100.0
GENERATE_LIMIT_SECONDS = 600
# About 10,000 of these are open (the rest are closed or archived).
CI_REGISTER = 16_800


def _name(commitments: int) -> str:
    if commitments % 1_000_000 == 0:
        return f"bench_{commitments // 1_000_000}m"
    return f"bench_{commitments // 1000}k"


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _machine(pg_url: str) -> list[str]:
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        postgres = str(connection.scalar(text("SHOW server_version")))
    engine.dispose()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wrk = subprocess.run([wrk_path(), "-v"], capture_output=True, text=True).stdout.split()[:2]
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("fastapi", "uvicorn", "sqlalchemy", "sqlmodel", "pydantic", "psycopg")
    )
    return [
        f"- Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {packages}",
        f"- PostgreSQL {postgres}; SQLite {sqlite3.sqlite_version}; {' '.join(wrk)}",
        f"- Load: wrk, {THREADS} threads, {CONNECTIONS} connections, on 127.0.0.1",
    ]


def _registers(datasets: list[Dataset]) -> list[str]:
    lines = [
        "| register | commitments | generated in | target |",
        "|---|---:|---:|---|",
    ]
    for dataset in datasets:
        when = "this run" if dataset.generated_now else "an earlier run"
        met = ""
        if dataset.commitments >= 1_000_000 and dataset.backend == "PostgreSQL":
            met = f"< 600 s: {_met(dataset.generated_seconds < GENERATE_LIMIT_SECONDS)}"
        lines.append(
            f"| {dataset.backend} `{dataset.name}` | {dataset.commitments:,} "
            f"| {dataset.generated_seconds:.0f} s ({when}) | {met} |"
        )
    return lines


def _http(comparisons: list[Comparison]) -> list[str]:
    lines = [
        "| scenario | register | workers | app req/s | floor req/s | ratio | target "
        "| app p99 | floor p99 | p99 ratio | failed | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in comparisons:
        target = FROM_MEMORY_TARGETS.get(c.scenario) or TARGETS[(c.scenario, c.dataset.backend)]
        ok = c.ratio >= target and c.app.failed == 0
        p99 = ""
        if c.scenario == "list":
            ok = ok and c.p99_ratio <= P99_LIMIT
            p99 = " (≤ 3)"
        lines.append(
            f"| {c.scenario} | {c.dataset.backend} {c.dataset.commitments:,} | {c.workers} "
            f"| {c.app.requests_per_second:,.0f} | {c.floor.requests_per_second:,.0f} "
            f"| {c.ratio:.2f} | ≥ {target:.2f} | {c.app.p99_ms:.1f} ms | {c.floor.p99_ms:.1f} ms "
            f"| {c.p99_ratio:.1f}{p99} | {c.app.failed} | {_met(ok)} |"
        )
    return lines


FIRST_BYTE_MS = 200


def _streamed(report: Streamed) -> list[str]:
    ok = report.first_byte_ms < FIRST_BYTE_MS
    return [
        f"The overdue report is streamed ({report.items:,} overdue items): its first bytes "
        f"(the opening of the document) came after {report.first_byte_ms:.0f} ms "
        f"(target < {FIRST_BYTE_MS} ms: {_met(ok)}), its first group after "
        f"{report.first_group_ms / 1000:.1f} s (the database sorts every item by party and "
        f"lead before it returns the first), the whole report after "
        f"{report.whole_ms / 1000:.1f} s, with at most {report.peak_mb:.1f} MB of Python "
        "objects alive while it streamed.",
    ]


def _scans(dataset: Dataset, results: list[Scan]) -> list[str]:
    lines = [
        f"On {dataset.backend} `{dataset.name}` ({dataset.commitments:,} commitments); "
        "median of 15 runs (3 for the report), in process.",
        "",
        "| query | overdue | app | floor (hand-written SQL) | ratio | met (≤ 1.5 and < 100 ms) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for scan in results:
        ok = scan.ratio <= SCAN_RATIO and scan.app_ms < SCAN_MS
        lines.append(
            f"| {scan.name} | {scan.rows:,} | {scan.app_ms:.1f} ms | {scan.floor_ms:.1f} ms "
            f"| {scan.ratio:.2f} | {_met(ok)} |"
        )
    for scan in results:
        lines += ["", f"The first statement the app sends for the {scan.name}, and its plan:", ""]
        lines += ["```", *scan.plan, "```"]
    return lines


def _commands(timings: list[Timing], imports: dict[str, float]) -> list[str]:
    lines = [
        "| command | whole command | start-up and imports | the work alone | target "
        "| met (whole) | met (work) | |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | {t.seconds:.2f} s | {t.startup_seconds:.2f} s | {t.work_seconds:.2f} s "
            f"| < {t.target_seconds} s | {_met(t.seconds < t.target_seconds)} "
            f"| {_met(t.work_seconds < t.target_seconds)} | {t.detail} |"
        )
    lines += [
        "",
        "The floor under every command: what starting Python and importing the stack costs, "
        "in a fresh process, median of 5.",
        "",
        "| start-up | seconds |",
        "|---|---:|",
        *(f"| {name} | {seconds:.2f} s |" for name, seconds in imports.items()),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run")
    parser.add_argument("--large", type=int, default=1_000_000, help="The large register")
    parser.add_argument("--fresh", action="store_true", help="Regenerate every register")
    parser.add_argument(
        "--statements",
        type=Path,
        default=ROOT.parent / "shared" / "seeds",
        help="Folder with the real statements the seeds quote (the real statement to read)",
    )
    arguments = parser.parse_args()
    wrk_path()
    started = datetime.now(UTC)
    sqlite_url = "sqlite:///bench.db"
    datasets = [
        ensure(_name(100_000), sqlite_url, 100_000, fresh=arguments.fresh),
        ensure(_name(100_000), arguments.pg_url, 100_000, fresh=arguments.fresh),
        ensure(_name(arguments.large), arguments.pg_url, arguments.large, fresh=arguments.fresh),
    ]
    ci_register = ensure("bench_ci", arguments.pg_url, CI_REGISTER, fresh=arguments.fresh)
    comparisons: list[Comparison] = []
    for dataset in datasets:
        token = issue_tokens(dataset.url)["editor"]
        for workers in (1, 2):
            print(f"{dataset.backend} {dataset.commitments:,}, {workers} worker(s)...", flush=True)
            measured = compare(dataset, token, workers, arguments.seconds)
            print("\n".join(_http(measured)[2:]), flush=True)
            comparisons += measured
    print("overdue scan...", flush=True)
    scan_results = scans(datasets[-1].url)
    streamed = streamed_report(datasets[-1].url)
    print("commands...", flush=True)
    timings = [overdue_command(ci_register.url, issue_tokens(ci_register.url)["admin"])]
    timings += seeding(sqlite_url) + seeding(arguments.pg_url)
    timings += ingesting(sqlite_url) + ingesting(arguments.pg_url)
    imports = stack_imports()
    print("reading statements...", flush=True)
    readings = reading.readings(arguments.statements)
    with tempfile.TemporaryDirectory() as scratch:
        reading_url = seeded_database(sqlite_url, Path(scratch))
        posted = reading.posted(
            reading_url, issue_tokens(reading_url)["editor"], arguments.statements
        )
    report = [
        "# Benchmark results",
        "",
        f"`make bench`, {started:%Y-%m-%d %H:%M} UTC. Each figure is compared with a floor "
        "measured in the same run, on the same machine.",
        "",
        *_machine(arguments.pg_url),
        "",
        "## Synthetic registers",
        "",
        *_registers([*datasets, ci_register]),
        "",
        "## HTTP: the app against its floor",
        "",
        f"Each run lasts {arguments.seconds} s. The floors: a bare FastAPI app on the same "
        "uvicorn settings answering the same bytes from memory (list, one); one raw UPDATE "
        "and one INSERT in one transaction on the same database (write). Requests come from a "
        "US editor, so releasability applies; each PATCH carries If-Match and changes a "
        "commitment no other request of the run touches.",
        "",
        *_http(comparisons),
        "",
        "## Overdue scan",
        "",
        *_scans(datasets[-1], scan_results),
        "",
        *_streamed(streamed),
        "",
        "## Commands",
        "",
        "Median of 5 runs, wall time of the whole process.",
        "",
        *_commands(timings, imports),
        "",
        "## Reading a statement",
        "",
        "Time per KB to read a statement into its proposals (paragraphs, sentences, clauses, "
        "the rules), in process, without the bounds a request has (median of "
        f"{reading.REPEATS}; one run at the largest size). The floor is the same reading at "
        "the smallest size, in the same run.",
        "",
        *reading.table(readings),
        "",
        "The same statements at the largest size, POSTed to one worker on SQLite (the seeded "
        "register) while another caller reads a page of commitments every 50 ms: a hostile "
        "statement is refused once reading reaches its 3,001st candidate (a page of tags "
        "never closed holds no paragraph).",
        "",
        *reading.posted_table(posted),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(report))
    print("\n".join(report))


if __name__ == "__main__":
    main()
