"""Prometheus metrics: requests by route, the database pool, and gauges read when scraped.

With several worker processes, each writes its counts to files in PROMETHEUS_MULTIPROC_DIR
(set by `commitments serve`), and a scrape adds up every worker's."""

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from app.core.security import Principal

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class _PoolCollector(Collector):
    """The connection pool as this process sees it at the moment of the scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):  # SQLite's per-thread pools have no counts
            return
        in_use = GaugeMetricFamily(
            "commitments_db_connections_in_use",
            "Database connections checked out of this process's pool",
            labels=["pid"],
        )
        in_use.add_metric([str(os.getpid())], pool.checkedout())
        size = GaugeMetricFamily(
            "commitments_db_pool_size", "Connections the pool keeps open", labels=["pid"]
        )
        size.add_metric([str(os.getpid())], pool.size())
        yield in_use
        yield size


class _ReadOnScrape(Collector):
    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help_text, self.read = name, help_text, read

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(self.name, self.help_text, value=self.read())


@dataclass(frozen=True)
class ScopedGauge:
    """A gauge read for each scraper: of what the scraper's token may see."""

    name: str
    help_text: str
    read: Callable[[Principal | None], float]


class Metrics:
    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "commitments_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "commitments_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.collectors: list[Collector] = []
        self.scoped: list[ScopedGauge] = []
        self._add(_PoolCollector(engine))

    def _add(self, collector: Collector) -> None:
        self.collectors.append(collector)
        self.registry.register(collector)

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def gauge(self, name: str, help_text: str, read: Callable[[Principal | None], float]) -> None:
        """A gauge whose value is read at each scrape (once, not once per worker), for the
        scraper: what its token may see (None: no token, the metrics are open)."""
        self.scoped.append(ScopedGauge(name, help_text, read))

    def exposition(self, scraper: Principal | None) -> bytes:
        scoped = CollectorRegistry()
        for gauge in self.scoped:
            scoped.register(
                _ReadOnScrape(gauge.name, gauge.help_text, partial(gauge.read, scraper))
            )
        if scraper is not None and scraper.party_id is not None:
            # Requests by route and status count every party's writes: a party's token reads
            # only what is scoped to what it may see.
            return generate_latest(scoped)
        if not os.environ.get(MULTIPROCESS_DIRECTORY):
            common = generate_latest(self.registry)
        else:
            # Every worker's request counts, from their files; the rest read here and now.
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
            for collector in self.collectors:
                registry.register(collector)
            common = generate_latest(registry)
        return common + generate_latest(scoped)
