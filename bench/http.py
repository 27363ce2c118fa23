"""The HTTP scenarios: the real app and its floor, under the same load, in the same run."""

import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.datasets import Dataset
from bench.servers import serving
from bench.sql import rows, scalar
from bench.wrk import Load, patch_script, run_wrk

LIST_PATH = "/api/v1/commitments?status=in_progress&area=maritime-security&limit=50"
APP_PORT, FLOOR_PORT = 8701, 8702
# Enough distinct commitments that no PATCH in a run reuses one.
WRITE_POOL = 60_000


@dataclass
class Comparison:
    scenario: str
    dataset: Dataset
    workers: int
    app: Load
    floor: Load

    @property
    def ratio(self) -> float:
        return self.app.requests_per_second / self.floor.requests_per_second

    @property
    def p99_ratio(self) -> float:
        return self.app.p99_ms / self.floor.p99_ms if self.floor.p99_ms else float("inf")


def _one_ref(url: str) -> str:
    """A commitment the US editor may see and edit."""
    return str(
        scalar(
            url,
            "SELECT c.ref FROM commitment c JOIN commitment_party cp "
            "ON cp.commitment_id = c.id JOIN party p ON p.id = cp.party_id "
            "WHERE p.code = 'US' AND c.archived_at IS NULL "
            "AND c.ref LIKE 'GEN-%' ORDER BY c.id LIMIT 1 OFFSET 1000",
        )
    )


def _write_targets(url: str, path: Path) -> None:
    """Lines of "<ref> <etag>": US commitments with their current versions, read just before
    the run."""
    targets = rows(
        url,
        "SELECT c.ref, c.version FROM commitment c "
        "WHERE c.archived_at IS NULL AND c.ref LIKE 'GEN-%' AND c.id IN ("
        " SELECT cp.commitment_id FROM commitment_party cp JOIN party p"
        " ON p.id = cp.party_id WHERE p.code = 'US') "
        "ORDER BY c.id LIMIT :limit",
        {"limit": WRITE_POOL},
    )
    path.write_text("".join(f'{ref} "{version}"\n' for ref, version in targets))


# Each scenario of the app and the floor it is measured against.
FLOOR_OF = {
    "list": "list",
    "one": "one",
    "write": "write",
    "list, cached": "list",
    "list, 304": "list",
    "one, cached": "one",
}


def _patches(base: str, prefix: str, directory: Path, token: str, stamp: str, seconds: int) -> Load:
    """PATCHes of a title, each to a commitment of targets.txt no other request of the run
    touches, with its If-Match."""
    return run_wrk(
        base,
        seconds=seconds,
        headers={},
        script=patch_script(directory, prefix),
        script_args=[str(directory / "targets.txt"), token, "2", stamp],
    )


def _app_uncached(env: dict[str, str], workers: int) -> AbstractContextManager[str]:
    """The app served with its response cache off: every request reaches the database."""
    return serving(
        "app.main:create_app",
        port=APP_PORT,
        workers=workers,
        env=env | {"COMMITMENTS_RESPONSE_CACHE_MB": "0"},
        ready_path="/healthz",
    )


def compare_writes(dataset: Dataset, token: str, workers: int, seconds: int) -> Comparison:
    """The write alone against its floor: the app's change of title, then the floor's."""
    env = {"COMMITMENTS_DATABASE_URL": dataset.url}
    stamp = str(int(time.time()))
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        with _app_uncached(env, workers) as base:
            _write_targets(dataset.url, directory / "targets.txt")
            app = _patches(base, "/api/v1/commitments/", directory, token, stamp, seconds)
        for name in ("list", "one"):  # the floor's reads, not measured here
            (directory / f"{name}.json").write_bytes(b"{}")
        with serving(
            "bench.floor:create_floor_app",
            port=FLOOR_PORT,
            workers=workers,
            env=env | {"BENCH_FLOOR_BODIES": scratch},
            ready_path="/floor/ready",
        ) as base:
            floor = _patches(base, "/floor/commitments/", directory, token, stamp + "f", seconds)
    return Comparison("write", dataset, workers, app, floor)


def compare(dataset: Dataset, token: str, workers: int, seconds: int) -> list[Comparison]:
    """Each scenario against its floor, with `workers` workers: list, one commitment and write
    with every request reaching the database (the response cache off), then repeated reads
    answered from memory and 304s to If-None-Match."""
    env = {"COMMITMENTS_DATABASE_URL": dataset.url}
    auth = {"Authorization": f"Bearer {token}"}
    one_path = f"/api/v1/commitments/{_one_ref(dataset.url)}"
    stamp = str(int(time.time()))
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        targets = directory / "targets.txt"
        app_loads: dict[str, Load] = {}
        with _app_uncached(env, workers) as base:
            for name, path in (("list", LIST_PATH), ("one", one_path)):
                answer = httpx.get(base + path, headers=auth, timeout=60)
                answer.raise_for_status()
                (directory / f"{name}.json").write_bytes(answer.content)
            app_loads["list"] = run_wrk(base + LIST_PATH, seconds=seconds, headers=auth)
            app_loads["one"] = run_wrk(base + one_path, seconds=seconds, headers=auth)
            _write_targets(dataset.url, targets)
            app_loads["write"] = _patches(
                base, "/api/v1/commitments/", directory, token, stamp, seconds
            )
        app_loads |= _from_memory(env, workers, seconds, auth, one_path)
        floor_loads: dict[str, Load] = {}
        with serving(
            "bench.floor:create_floor_app",
            port=FLOOR_PORT,
            workers=workers,
            env=env | {"BENCH_FLOOR_BODIES": scratch},
            ready_path="/floor/ready",
        ) as base:
            floor_loads["list"] = run_wrk(base + "/floor/list", seconds=seconds, headers=auth)
            floor_loads["one"] = run_wrk(base + "/floor/one", seconds=seconds, headers=auth)
            floor_loads["write"] = _patches(
                base, "/floor/commitments/", directory, token, stamp + "f", seconds
            )
    return [
        Comparison(name, dataset, workers, app_loads[name], floor_loads[floor])
        for name, floor in FLOOR_OF.items()
    ]


def _from_memory(
    env: dict[str, str], workers: int, seconds: int, auth: dict[str, str], one_path: str
) -> dict[str, Load]:
    """Repeated reads with the response cache on (as deployed): the first request of each
    worker renders, the rest answer from memory after one check of the change counter."""
    loads: dict[str, Load] = {}
    with serving(
        "app.main:create_app", port=APP_PORT, workers=workers, env=env, ready_path="/healthz"
    ) as base:
        page = httpx.get(base + LIST_PATH, headers=auth, timeout=60)
        page.raise_for_status()
        loads["list, cached"] = run_wrk(base + LIST_PATH, seconds=seconds, headers=auth)
        held = auth | {"If-None-Match": page.headers["etag"]}
        loads["list, 304"] = run_wrk(base + LIST_PATH, seconds=seconds, headers=held)
        loads["one, cached"] = run_wrk(base + one_path, seconds=seconds, headers=auth)
    return loads
