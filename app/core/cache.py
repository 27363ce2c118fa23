"""Rendered answers kept in memory while nothing changed, with entity tags that are always
right.

A rendered answer is kept under what it depends on: who may read it (the caller's
audience), the request's path and normalized query, the register's change counter (read in
the authentication statement, so checking costs nothing more) and the day in the
configured time zone (what is overdue changes at midnight). A write anywhere, through this
process, another worker or the command line, raises the counter in its own transaction, so
the next request looks under a new key and renders afresh. Entries are dropped least
recently used first once their bodies pass the byte budget.

Entity tags hash the body itself: whatever the body depends on (a renamed lead contact, the
passing of a day), a different body has a different tag, so If-None-Match never answers a
wrong 304. Tags of a versioned record start with its version ("7.3f2a...") so that If-Match
can still be checked against the record's version (app.core.etags).
"""

import functools
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from starlette.types import Scope

from app.core.etags import matches_if_none_match, strong_etag
from app.core.observability import route_template
from app.core.time import today

# What an entry costs beyond its body: key, headers, bookkeeping.
_ENTRY_OVERHEAD = 512


Query = tuple[tuple[str, str], ...]


class AnswerKey(NamedTuple):
    """What a kept answer depends on."""

    audience: str
    path: str
    query: Query
    changes: int
    day: date

    @property
    def address(self) -> tuple[str, Query]:
        return (self.path, self.query)


def address_of(scope: Scope) -> tuple[str, Query]:
    """The request's path and its query, normalized (parameters sorted)."""
    return _address(scope["path"], scope.get("query_string", b""))


def parameters_of(scope: Scope) -> Query:
    """The request's query parameters in the order given."""
    return _parameters(scope.get("query_string", b""))


@functools.lru_cache(maxsize=4096)
def _address(path: str, query_string: bytes) -> tuple[str, Query]:
    return path, tuple(sorted(_parameters(query_string)))


@functools.lru_cache(maxsize=4096)
def _parameters(query_string: bytes) -> Query:
    # Parsed as the framework parses a query: a parameter given twice is kept twice.
    return tuple(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


class Answer(NamedTuple):
    """A rendered answer as the server sends it."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Rendered:
    """A response body ready to send, its entity tag and the headers that go with it."""

    body: bytes
    etag: str
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    # The route template it answers, for the request metrics of an answer from memory.
    route: str = ""

    @classmethod
    def of(
        cls, body: bytes, *, version: int | None = None, headers: Mapping[str, str] | None = None
    ) -> "Rendered":
        return cls(body, strong_etag(body, version=version), dict(headers or {}))

    @property
    def size(self) -> int:
        return len(self.body) + _ENTRY_OVERHEAD

    def answer(self, *, if_none_match: str | None = None, status_code: int = 200) -> Answer:
        """The body with its ETag, or 304 when the client already holds this very body."""
        if status_code == 200 and matches_if_none_match(if_none_match, self.etag):
            return Answer(304, list(self._headers_of_304), b"")
        return Answer(status_code, list(self._headers_of_body), self.body)

    def response(self, *, if_none_match: str | None = None, status_code: int = 200) -> Response:
        answer = self.answer(if_none_match=if_none_match, status_code=status_code)
        response = Response(status_code=answer.status)
        response.body, response.raw_headers = answer.body, answer.headers
        return response

    @functools.cached_property
    def _headers_of_304(self) -> tuple[tuple[bytes, bytes], ...]:
        headers = {**self.headers, "ETag": self.etag}
        return tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()
        )

    @functools.cached_property
    def _headers_of_body(self) -> tuple[tuple[bytes, bytes], ...]:
        return (
            *self._headers_of_304,
            (b"content-type", self.media_type.encode("latin-1")),
            (b"content-length", str(len(self.body)).encode("latin-1")),
        )


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ResponseCache:
    """A per-process LRU of rendered answers, bounded by the bytes of their bodies."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.used = 0
        self.stats = CacheStats()
        self._entries: OrderedDict[AnswerKey, Rendered] = OrderedDict()
        # How many kept answers each (path, query) has: a request for one that has none is
        # not worth the token check of an answer from memory.
        self._addresses: Counter[tuple[str, Query]] = Counter()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def holds_answers_for(self, path: str, query: Query) -> bool:
        return self._addresses[(path, query)] > 0

    def peek(self, key: AnswerKey) -> Rendered | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.stats.hits += 1
            return found

    def get_or_render(self, key: AnswerKey, render: Callable[[], Rendered]) -> Rendered:
        found = self.peek(key)
        if found is not None:
            return found
        rendered = render()
        self.keep(key, rendered)
        return rendered

    def keep(self, key: AnswerKey, rendered: Rendered) -> None:
        """Keep an answer just rendered (a miss), unless it is too large to be worth it."""
        with self._lock:
            self.stats.misses += 1
        # An answer larger than a quarter of the budget would push out everything else.
        if rendered.size * 4 <= self.budget:
            self._keep(key, rendered)

    def _keep(self, key: AnswerKey, rendered: Rendered) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is None:
                self._addresses[key.address] += 1
            else:
                self.used -= previous.size
            self._entries[key] = rendered
            self.used += rendered.size
            while self.used > self.budget:
                dropped_key, dropped = self._entries.popitem(last=False)
                self.used -= dropped.size
                self.stats.evictions += 1
                self._addresses[dropped_key.address] -= 1
                if not self._addresses[dropped_key.address]:
                    del self._addresses[dropped_key.address]


def remember_changes(request: Request, changes: int) -> None:
    """The counter as authentication read it (in the token's statement), for the request's
    cache key: only an authenticated request's answer is kept."""
    request.state.register_changes = changes


def answer_key(request: Request, audience: str) -> AnswerKey:
    """The key this request's answer for this audience is kept under."""
    changes: int = request.state.register_changes
    return AnswerKey(audience, *address_of(request.scope), changes, today())


class BodyTags:
    """The entity tags of answers too large to keep, by the key they would be kept under.

    Such an answer is sent as it is produced, so its tag cannot be a hash of a body not yet
    read; it is learnt the first time the answer is produced under a key (by producing it
    whole before sending it), and holds as long as the key does. A tag derived from the key
    itself would change with every write to the register, those the caller cannot see too."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._tags: OrderedDict[AnswerKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: AnswerKey) -> str | None:
        with self._lock:
            found = self._tags.get(key)
            if found is not None:
                self._tags.move_to_end(key)
            return found

    def learn(self, key: AnswerKey, etag: str) -> None:
        with self._lock:
            self._tags[key] = etag
            self._tags.move_to_end(key)
            while len(self._tags) > self.capacity:
                self._tags.popitem(last=False)


def cached(request: Request, audience: str, render: Callable[[], Rendered]) -> Rendered:
    """The answer to this request for this audience, from memory while nothing changed."""
    cache: ResponseCache | None = request.app.state.response_cache
    if cache is None:
        return render()
    key = answer_key(request, audience)
    route = route_template(request.scope)
    return cache.get_or_render(key, lambda: replace(render(), route=route))
