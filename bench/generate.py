"""A synthetic register at any scale, for the benchmarks.

    python -m bench.generate --commitments 1000000 --database-url URL

The database is migrated and seeded (reference data and the real commitments), then N
synthetic commitments are added with bulk inserts (COPY on PostgreSQL), not through the API:
spread over parties, areas, documents, statuses and due dates (a fifth open and past due),
with leads, supporting contacts, about 5 progress notes and 10 history entries each, and
5,000 contacts. The same --seed gives the same register.
"""

import argparse
import base64
import hashlib
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, text

from app.commitments.models import search_text_of
from app.core.config import Settings
from app.core.db import Database
from app.database_schema import upgrade
from app.seeding.service import seed_register

ROOT = Path(__file__).resolve().parents[1]
TODAY = datetime.now(UTC).date()
OPEN = ("not_started", "in_progress", "at_risk", "blocked")
CLOSED = ("completed", "completed", "completed", "cancelled", "superseded")
MAIN_PARTIES = ("US", "ROK", "JP")
CHUNK = 20_000

TITLES = (
    "Present at least one project or initiative before the {meeting}",
    "Identify points of contact for {area}",
    "Upgrade shared early-warning systems in {area}",
    "Expand combined exercises on {area}",
    "Report progress on {area} to the {meeting}",
    "{area} 협력 강화 방안 마련",
    "{area} 분야 연락관 지정",
)
NOTES = (
    "Working group met; draft terms of reference circulated.",
    "Points of contact confirmed on both sides.",
    "Funding request submitted; awaiting approval.",
    "Exercise concluded; after-action report in preparation.",
    "실무 협의 완료, 후속 조치 검토 중.",
)

COLUMNS = {
    "contact": "id, name, kind, party_id, position, email, version, created_at, updated_at",
    "commitment": (
        "id, ref, title, description, status, due_date, document_id, meeting_id, quote, "
        "paragraph, search_text, last_note_on, percent_complete, completed_on, version, "
        "created_at, updated_at, archived_at"
    ),
    "commitment_party": "commitment_id, party_id",
    "commitment_releasability": "commitment_id, party_id",
    "commitment_area": "commitment_id, area_id",
    "commitment_lead": "commitment_id, party_id, contact_id",
    "commitment_contact": "commitment_id, contact_id",
    "progress_note": (
        "id, public_id, commitment_id, author_name, text, percent_complete, status_from, "
        "status_to, as_of, created_at"
    ),
    "commitment_history": (
        "commitment_id, version, field, old_value, new_value, actor_name, channel, changed_at"
    ),
}
SEQUENCES = ("contact", "commitment", "progress_note", "commitment_history")


@dataclass
class Reference:
    parties: dict[str, int]
    areas: list[int]
    area_slugs: dict[int, str]
    documents: list[int]
    meetings: list[tuple[int, str]]
    contacts_by_party: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class Rows:
    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in COLUMNS}
    )

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].append(row)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(8 * 3600, 19 * 3600)
    )


def _contacts(reference: Reference, count: int, first_id: int, rng: random.Random) -> Rows:
    rows = Rows()
    party_ids = list(reference.parties.values())
    weights = [30 if code in MAIN_PARTIES else 1 for code in reference.parties]
    for offset in range(count):
        contact_id = first_id + offset
        party_id = rng.choices(party_ids, weights)[0]
        person = rng.random() < 0.8
        at = _moment(TODAY - timedelta(days=rng.randrange(30, 2500)), rng)
        rows.add(
            "contact",
            (
                contact_id,
                f"Contact {contact_id:05d}" if person else f"Office {contact_id:05d}",
                "person" if person else "office",
                party_id,
                "Desk officer" if person else None,
                f"contact{contact_id}@example.org",
                1,
                at,
                at,
            ),
        )
    return rows


def _commitment(
    rows: Rows, reference: Reference, commitment_id: int, note_id: int, rng: random.Random
) -> int:
    """Add one commitment and everything hanging off it; return the next free note id."""
    roll = rng.random()
    if roll < 0.2:  # open and past due
        status, due = rng.choice(OPEN), TODAY - timedelta(days=rng.randrange(1, 900))
    elif roll < 0.6:
        status = rng.choice(OPEN)
        due = None if rng.random() < 0.1 else TODAY + timedelta(days=rng.randrange(0, 900))
    else:
        status, due = rng.choice(CLOSED), TODAY - timedelta(days=rng.randrange(1, 2000))
    created_on = min(due or TODAY, TODAY) - timedelta(days=rng.randrange(30, 700))
    created_at = _moment(created_on, rng)
    party_codes = rng.sample(MAIN_PARTIES, rng.choice((1, 2, 2, 2, 3)))
    if rng.random() < 0.05:
        party_codes.append(rng.choice([c for c in reference.parties if c not in MAIN_PARTIES]))
    party_ids = [reference.parties[code] for code in party_codes]
    areas = rng.sample(reference.areas, rng.choice((1, 1, 2)))
    meeting_id, meeting_key = rng.choice(reference.meetings)
    ref = f"GEN-{commitment_id:07d}"
    title = rng.choice(TITLES).format(meeting=meeting_key, area=reference.area_slugs[areas[0]])
    quote = f"The two sides committed to {title[0].lower()}{title[1:]}."

    note_count = rng.randrange(0, 11)
    note_days = sorted(
        created_on + timedelta(days=rng.randrange(1, max(2, (TODAY - created_on).days)))
        for _ in range(note_count)
    )
    percent = None
    history = [
        ("created", None, ref, created_at),
        ("title", None, title, created_at),
        ("status", None, "not_started", created_at),
        ("parties", None, sorted(party_codes), created_at),
    ]
    for index, day in enumerate(note_days):
        percent = min(100, (index + 1) * rng.randrange(5, 20))
        at = _moment(day, rng)
        text_ = rng.choice(NOTES)
        # Shaped as the app's (16 bytes, URL-safe), one for each row id: a second run adds notes.
        digest = hashlib.blake2b(note_id.to_bytes(8, "big"), digest_size=16).digest()
        public_id = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        rows.add(
            "progress_note",
            (
                note_id,
                public_id,
                commitment_id,
                "Desk officer",
                text_,
                percent,
                None,
                None,
                day,
                at,
            ),
        )
        history.append(("note", None, public_id, at))
        note_id += 1
    if note_days:
        history.append(("last_note_on", None, note_days[-1].isoformat(), history[-1][3]))
    updated_at = history[-1][3]
    version = 1 + note_count
    completed_on = due if status == "completed" else None
    archived_at = updated_at if rng.random() < 0.01 else None
    rows.add(
        "commitment",
        (
            commitment_id,
            ref,
            title,
            None,
            status,
            due,
            rng.choice(reference.documents),
            meeting_id,
            quote,
            rng.randrange(1, 40),
            search_text_of(ref=ref, title=title, quote=quote),
            note_days[-1] if note_days else None,
            percent,
            completed_on,
            version,
            created_at,
            updated_at,
            archived_at,
        ),
    )
    for party_id in party_ids:
        rows.add("commitment_party", (commitment_id, party_id))
        rows.add("commitment_releasability", (commitment_id, party_id))
    for area_id in areas:
        rows.add("commitment_area", (commitment_id, area_id))
    for party_id in party_ids[:2]:
        if candidates := reference.contacts_by_party.get(party_id):
            rows.add("commitment_lead", (commitment_id, party_id, rng.choice(candidates)))
    if candidates := reference.contacts_by_party.get(party_ids[0]):
        for contact_id in {rng.choice(candidates) for _ in range(2)}:
            if rng.random() < 0.5:
                rows.add("commitment_contact", (commitment_id, contact_id))
    version_of = {"created": 1, "title": 1, "status": 1, "parties": 1}
    for number, (name, old, new, at) in enumerate(history):
        entry_version = version_of.get(name, number - 2)
        if name == "last_note_on":
            entry_version = version
        rows.add(
            "commitment_history",
            (
                commitment_id,
                entry_version,
                name,
                orjson.dumps(old).decode(),
                orjson.dumps(new).decode(),
                "Desk officer",
                "api",
                at,
            ),
        )
    return note_id


Writer = Callable[[str, Sequence[tuple[Any, ...]]], None]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Loader:
    """Bulk writes: COPY on PostgreSQL, executemany on SQLite; constraints checked at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection = engine.raw_connection()
        self.postgres = engine.dialect.name == "postgresql"
        cursor = self.connection.cursor()
        if self.postgres:
            # The rows are consistent by construction: skip per-row foreign-key triggers.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
        else:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    def write(self, rows: Rows) -> None:
        cursor = self.connection.cursor()
        for table, values in rows.tables.items():
            if not values:
                continue
            columns = COLUMNS[table]
            if self.postgres:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns.split(","))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    ([_sqlite_value(value) for value in row] for row in values),
                )
        cursor.close()
        self.connection.commit()

    def finish(self) -> None:
        cursor = self.connection.cursor()
        if self.postgres:
            for table in SEQUENCES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            cursor.execute("SET session_replication_role = origin")
            self.connection.commit()
            self.connection.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
        else:
            violations = cursor.execute("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise SystemExit(f"generated rows break foreign keys: {violations[:5]}")
            self.connection.commit()
            cursor.execute("ANALYZE")
        cursor.close()
        self.connection.close()


def _reference(engine: Engine) -> Reference:
    with engine.connect() as connection:
        return Reference(
            parties=dict(connection.execute(text("SELECT code, id FROM party ORDER BY id")).all()),
            areas=list(connection.scalars(text("SELECT id FROM priority_area ORDER BY id"))),
            area_slugs=dict(connection.execute(text("SELECT id, slug FROM priority_area")).all()),
            documents=list(connection.scalars(text("SELECT id FROM source_document ORDER BY id"))),
            meetings=[
                (row.id, row.key)
                for row in connection.execute(text("SELECT id, key FROM meeting ORDER BY id"))
            ],
        )


def _next_id(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")) or 1)


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def prepare(url: str) -> int:
    """Migrate and seed; return how many commitments the register already holds."""
    upgrade(url)
    database = Database(Settings(database_url=url))
    with database.transaction() as session:
        seed_register(session=session, seeds_dir=ROOT / "seeds")
    database.dispose()
    engine = create_engine(url)
    with engine.connect() as connection:
        count = int(connection.scalar(text("SELECT count(*) FROM commitment")) or 0)
    engine.dispose()
    return count


def generate(url: str, commitments: int, contacts: int = 5000, seed: int = 1) -> dict[str, int]:
    """Add the synthetic register to the database at `url`; return the rows written per table."""
    rng = random.Random(seed)
    engine = create_engine(url)
    reference = _reference(engine)
    loader = Loader(engine)
    written: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    def write(rows: Rows) -> None:
        loader.write(rows)
        for table, values in rows.tables.items():
            written[table] += len(values)

    write(_contacts(reference, contacts, _next_id(engine, "contact"), rng))
    with engine.connect() as connection:
        for contact_id, party_id in connection.execute(text("SELECT id, party_id FROM contact")):
            reference.contacts_by_party.setdefault(party_id, []).append(contact_id)
    first_commitment = _next_id(engine, "commitment")
    note_id = _next_id(engine, "progress_note")
    # The database ingests one chunk while the next is generated.
    pending: queue.Queue[Rows | None] = queue.Queue(maxsize=2)
    failures: list[BaseException] = []

    def drain() -> None:
        while (rows := pending.get()) is not None:
            try:
                write(rows)
            except BaseException as exc:
                failures.append(exc)
                return

    writer = threading.Thread(target=drain, daemon=True)
    writer.start()
    for chunk in _chunks(commitments, CHUNK):
        rows = Rows()
        for offset in chunk:
            note_id = _commitment(rows, reference, first_commitment + offset, note_id, rng)
        if failures:
            break
        pending.put(rows)
    pending.put(None)
    writer.join()
    if failures:
        raise failures[0]
    loader.finish()
    engine.dispose()
    return written


def _summary(written: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{count:,} {table}" for table, count in written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    started = time.perf_counter()
    existing = prepare(arguments.database_url)
    written = generate(
        arguments.database_url, arguments.commitments, arguments.contacts, arguments.seed
    )
    elapsed = time.perf_counter() - started
    print(
        f"Generated in {elapsed:.1f} s on top of {existing} commitments: "
        f"{_summary(written.items())}"
    )


if __name__ == "__main__":
    main()
