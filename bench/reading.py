"""Reading a statement (its paragraphs, sentences, clauses and proposals), per KB, at sizes up
to the longest text a statement may have: three hostile statements and a real one, in process.
The floor is the same reading of the smallest size, measured in the same run: time per KB
that stays flat as the text grows four and sixteen times is linear."""

import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.ingest.evaluation import vocabulary_of
from app.ingest.extractor import Statement, propose
from app.ingest.text import paragraphs_of
from app.reference.enums import TextFormat
from app.seeding.service import read_seed_files

ROOT = Path(__file__).resolve().parents[1]
SIZES = (31_250, 125_000, 500_000)
REPEATS = 3
# Time per KB at the largest size, against the smallest: at most this for flat (a step
# that grows with the square of the text would make it sixteen).
FLAT_RATIO = 2.0
ISSUED = date(2026, 11, 1)


@dataclass(frozen=True)
class Sample:
    name: str
    unit: str  # repeated to each size
    text_format: TextFormat


@dataclass
class Reading:
    name: str
    ms_per_kb: dict[int, float]
    proposals: int  # at the largest size

    @property
    def ratio(self) -> float:
        return self.ms_per_kb[SIZES[-1]] / self.ms_per_kb[SIZES[0]]


def samples(statements: Path) -> list[Sample]:
    """The hostile statements reported to hold a worker for minutes, and the real statements
    the seeds quote, one after another."""
    found = [
        Sample('"Both sides will act; " repeated', "Both sides will act; ", TextFormat.plain),
        Sample("Markdown emphasis never closed (`*a `)", "*a ", TextFormat.markdown),
        Sample("HTML tags never closed (`<a `)", "<a ", TextFormat.html),
    ]
    real = sorted(statements.glob("*.txt"))
    if real:
        text = "\n\n".join(path.read_text(encoding="utf-8") for path in real)
        found.append(Sample(f"real statements ({len(real)} in turn)", text, TextFormat.plain))
    return found


def _seconds(sample: Sample, chars: int) -> tuple[float, int]:
    text = (sample.unit * (chars // len(sample.unit) + 1))[:chars]
    vocabulary = vocabulary_of(read_seed_files(ROOT / "seeds").reference)
    timings, proposals = [], 0
    for _ in range(REPEATS if chars < SIZES[-1] else 1):
        started = time.perf_counter()
        statement = Statement(paragraphs_of(text, sample.text_format), ["US", "ROK"], ISSUED)
        # Unbounded: the reading itself, past where a request would be refused.
        proposals = len(propose(statement, vocabulary, bounds=None))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), proposals


def readings(statements: Path) -> list[Reading]:
    results = []
    for sample in samples(statements):
        per_kb, proposals = {}, 0
        for chars in SIZES:
            seconds, proposals = _seconds(sample, chars)
            per_kb[chars] = seconds * 1000 / (chars / 1000)
        results.append(Reading(sample.name, per_kb, proposals))
    return results


def table(results: list[Reading]) -> list[str]:
    sizes = " | ".join(f"{chars:,} chars" for chars in SIZES)
    lines = [
        f"| statement | {sizes} | proposals at {SIZES[-1]:,} | ratio (largest / smallest) | met |",
        "|---|" + "---:|" * (len(SIZES) + 2) + "---|",
    ]
    for r in results:
        cells = " | ".join(f"{r.ms_per_kb[chars]:.1f} ms/KB" for chars in SIZES)
        met = "yes" if r.ratio <= FLAT_RATIO else "**no**"
        lines.append(
            f"| {r.name} | {cells} | {r.proposals:,} | {r.ratio:.2f} (≤ {FLAT_RATIO}) | {met} |"
        )
    return lines


@dataclass
class Posted:
    name: str
    status: int
    seconds: float
    slowest_read_ms: float  # of the reads another caller made while it was read


def _post(base: str, token: str, sample: Sample) -> Posted:
    """POST the sample at the largest size, while another caller reads the register."""
    import threading

    import httpx

    text = (sample.unit * (SIZES[-1] // len(sample.unit) + 1))[: SIZES[-1]]
    reads: list[float] = []
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            # A token's first use is recorded, a write that waits for SQLite's one writer.
            client.get("/api/v1/commitments", params={"limit": 50}, timeout=120)
            warm.set()
            while not done.is_set():
                started = time.perf_counter()
                client.get("/api/v1/commitments", params={"limit": 50}, timeout=120)
                reads.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)

    reader, warm = threading.Thread(target=read), threading.Event()
    reader.start()
    warm.wait()
    started = time.perf_counter()
    response = httpx.post(
        f"{base}/api/v1/documents",
        params={"title": "Statement", "issued_on": "2026-11-01", "publisher": "Bench"},
        content=text.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": sample.text_format.value},
        timeout=600,
    )
    seconds = time.perf_counter() - started
    done.set()
    reader.join()
    return Posted(sample.name, response.status_code, seconds, max(reads, default=0.0))


def posted(url: str, token: str, statements: Path) -> list[Posted]:
    """Each sample at the largest size, POSTed to one worker of a running server."""
    from bench.servers import serving

    env = {"COMMITMENTS_DATABASE_URL": url}
    with serving(
        "app.main:create_app", port=8705, workers=1, env=env, ready_path="/healthz"
    ) as base:
        return [_post(base, token, sample) for sample in samples(statements)]


def posted_table(results: list[Posted]) -> list[str]:
    lines = [
        f"| statement ({SIZES[-1]:,} chars) | answer | seconds | slowest read meanwhile |",
        "|---|---:|---:|---:|",
    ]
    for p in results:
        lines.append(f"| {p.name} | {p.status} | {p.seconds:.1f} s | {p.slowest_read_ms:.0f} ms |")
    return lines
