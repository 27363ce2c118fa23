"""Soak: N clients against a real server (uvicorn, several workers) for a bounded time, a mixed
workload of reads, PATCHes with If-Match, progress notes and reports; then proof from the
database that nothing was lost or doubled.

    python -m bench.soak --database-url URL [--clients 16] [--seconds 20] [--workers 2]

The database is migrated and seeded first if it is empty. Traffic goes to 127.0.0.1 only.
Exit 0 when every check holds; the one-line summary says what was done and found.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text

from app.core.config import Settings
from app.core.db import Database
from app.core.security import Role
from app.database_schema import upgrade
from app.history.models import CommitmentHistory
from app.seeding.service import seed_register
from app.users.models import UserCreate
from app.users.service import create_user
from bench.servers import serving

ROOT = Path(__file__).resolve().parents[1]
REFS = ["SCM56-RCF-13", "SCM56-FS-05", "SCM56-RCF-04", "DMM24-06", "SEN24-07", "SCM56-FS-03"]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    patches: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0


def prepare(url: str) -> str:
    """Migrate, seed and add a soak editor; return its token."""
    upgrade(url)
    database = Database(Settings(database_url=url))
    with database.transaction() as session:
        seed_register(session=session, seeds_dir=ROOT / "seeds")
        name = f"soak-{os.getpid()}-{int(time.time())}"
        token = create_user(session=session, request=UserCreate(name=name, role=Role.admin)).token
    database.dispose()
    return token


def initial_versions(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT ref, version FROM commitment"))
        found = {ref: version for ref, version in rows if ref in REFS}
    engine.dispose()
    return found


async def client_loop(base: str, token: str, deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        step = 0
        while time.monotonic() < deadline:
            step += 1
            ref = rng.choice(REFS)
            roll = rng.random()
            try:
                if roll < 0.30:
                    response = await http.get(
                        "/api/v1/commitments", params={"limit": 50, "party": "US"}
                    )
                elif roll < 0.45:
                    response = await http.get(f"/api/v1/commitments/{ref}")
                elif roll < 0.70:
                    read = await http.get(f"/api/v1/commitments/{ref}")
                    tally.statuses[read.status_code] += 1
                    tally.requests += 1
                    text_value = f"soak {seed}-{step}"
                    response = await http.patch(
                        f"/api/v1/commitments/{ref}",
                        json={"description": text_value},
                        headers={"If-Match": read.headers.get("etag", '"0"')},
                    )
                    if response.status_code == 200:
                        tally.patches[ref].append((response.json()["version"], text_value))
                elif roll < 0.90:
                    response = await http.post(
                        f"/api/v1/commitments/{ref}/updates", json={"text": f"note {seed}-{step}"}
                    )
                    if response.status_code == 201:
                        tally.notes[ref].append(response.json()["id"])
                else:
                    response = await http.get(
                        "/api/v1/reports/summary", params={"group_by": "party"}
                    )
            except httpx.HTTPError as error:
                tally.errors[type(error).__name__] += 1
                continue
            tally.statuses[response.status_code] += 1
            tally.requests += 1


def verify(url: str, before: dict[str, int], tally: Tally) -> list[str]:
    """What the database must show after the run; each broken rule is one line."""
    problems = []
    engine = create_engine(url)
    with engine.connect() as connection:
        for ref in REFS:
            commitment_id, version = connection.execute(
                text("SELECT id, version FROM commitment WHERE ref = :ref"), {"ref": ref}
            ).one()
            accepted = len(tally.patches[ref]) + len(tally.notes[ref])
            if version != before[ref] + accepted:
                problems.append(f"{ref}: version {version}, expected {before[ref]} + {accepted}")
            for patched_version, value in tally.patches[ref]:
                # Through the mapped column, so the JSON comes back decoded on every backend.
                recorded_values = (
                    connection.execute(
                        select(CommitmentHistory.new_value).where(
                            CommitmentHistory.commitment_id == commitment_id,
                            CommitmentHistory.version == patched_version,
                            CommitmentHistory.field == "description",
                        )
                    )
                    .scalars()
                    .all()
                )
                if list(recorded_values) != [value]:
                    problems.append(f"{ref} v{patched_version}: not in the history exactly once")
            note_ids = set(tally.notes[ref])
            stored = {
                row[0]
                for row in connection.execute(
                    text("SELECT public_id FROM progress_note WHERE commitment_id = :id"),
                    {"id": commitment_id},
                )
            }
            if not note_ids <= stored:
                problems.append(f"{ref}: {len(note_ids - stored)} acknowledged notes missing")
            recorded = Counter(
                connection.execute(
                    select(CommitmentHistory.new_value).where(
                        CommitmentHistory.commitment_id == commitment_id,
                        CommitmentHistory.field == "note",
                    )
                ).scalars()
            )
            if any(recorded[note] != 1 for note in note_ids):
                problems.append(f"{ref}: a note is not in the history exactly once")
    engine.dispose()
    server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    if server_errors:
        problems.append(f"{server_errors} responses were 5xx")
    if tally.errors:
        problems.append(f"transport errors: {dict(tally.errors)}")
    return problems


def check_connection_budget(url: str, workers: int, settings: Settings) -> str | None:
    if not url.startswith("postgresql"):
        return None
    engine = create_engine(url)
    with engine.connect() as connection:
        limit = int(connection.execute(text("SHOW max_connections")).scalar() or 0)
    engine.dispose()
    needed = workers * (settings.worker_threads + 4)
    if needed > limit - 5:
        per_worker = settings.worker_threads + 4
        return f"{workers} workers x {per_worker} connections exceed max_connections {limit}"
    return None


def run(url: str, clients: int, seconds: float, workers: int, port: int) -> int:
    token = prepare(url)
    budget = check_connection_budget(url, workers, Settings(database_url=url))
    if budget:
        print(f"soak: refused: {budget}")
        return 2
    before = initial_versions(url)
    env = {"COMMITMENTS_DATABASE_URL": url}
    with serving(
        "app.main:create_app", port=port, workers=workers, env=env, ready_path="/readyz"
    ) as base:
        tally = Tally()
        started = time.monotonic()
        deadline = started + seconds

        async def everyone() -> None:
            await asyncio.gather(
                *(client_loop(base, token, deadline, tally, n) for n in range(clients))
            )

        asyncio.run(everyone())
        elapsed = time.monotonic() - started
    problems = verify(url, before, tally)
    writes = sum(len(v) for v in tally.patches.values()) + sum(len(v) for v in tally.notes.values())
    server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    backend = url.split(":", 1)[0]
    print(
        f"soak: {backend}, {workers} workers, {clients} clients, {elapsed:.0f}s: "
        f"{tally.requests} requests ({tally.requests / elapsed:.0f}/s), {writes} accepted writes, "
        f"{tally.statuses.get(412, 0)} x 412, {server_errors} x 5xx: "
        + ("OK" if not problems else "FAILED: " + "; ".join(problems[:5]))
    )
    return 0 if not problems else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    return run(args.database_url, args.clients, args.seconds, args.workers, args.port)


if __name__ == "__main__":
    sys.exit(main())
