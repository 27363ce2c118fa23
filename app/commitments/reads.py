"""A commitment and a page of commitments as rendered answers: what their routes answer, and
what the direct reader (app.core.answers) answers before the framework when it takes the
request's parameters as they are.

The direct reader takes only what the route would take unchanged: the filters, sort, limit,
cursor and total, each validated by the same models and bounds, each given once unless it
is a list (status, kind). Anything else (an unknown or repeated parameter, a value the models
refuse, an export format, a commitment as it stood on a past day) goes to the route, which
answers it in full, errors included."""

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection
from sqlmodel import Session

from app.commitments import rendering, service
from app.commitments.filters import CommitmentFilters, filter_query_params
from app.core.answers import Direct
from app.core.cache import Query, Rendered
from app.core.conditional import versioned_document
from app.core.db import Database
from app.core.pagination import Cursor
from app.core.security import Principal
from app.core.validation import REF_MAX_LENGTH
from app.vocabulary import CommitmentSort

PAGE_ROUTE = "/api/v1/commitments"
ONE_ROUTE = "/api/v1/commitments/{ref}"
PAGE_LIMIT_MAX = 200

_ONE_PATH = re.compile(rf"/api/v1/commitments/([A-Za-z0-9-]{{1,{REF_MAX_LENGTH}}})")
_LISTS = frozenset(
    name
    for name, field in CommitmentFilters.model_fields.items()
    if getattr(field.annotation, "__origin__", None) is list
)


class PageOptions(BaseModel):
    """How a page is cut: its order, size, where it starts and whether to count every match."""

    model_config = ConfigDict(extra="forbid")

    sort: CommitmentSort = CommitmentSort.ref
    limit: int = Field(default=50, ge=1, le=PAGE_LIMIT_MAX)
    cursor: Cursor | None = None
    total: bool = False


def render_one(*, connection: Connection, ref: str, principal: Principal) -> Rendered:
    """One commitment the principal may see, tagged with its version and body."""
    form = rendering.one_public_form(connection=connection, ref=ref, principal=principal)
    return versioned_document(form)


def render_page(
    *,
    session: Session,
    path: str,
    filters: CommitmentFilters,
    options: PageOptions,
    principal: Principal,
) -> Rendered:
    """A page of the commitments the principal may see, with the link to the next one."""
    page = service.list_commitments(
        session=session,
        filters=filters,
        principal=principal,
        sort=options.sort,
        limit=options.limit,
        cursor=options.cursor,
        with_total=options.total,
    )
    headers = {"Vary": "Accept"}
    if page.next_cursor:
        headers["Link"] = _next_link(path, page.next_cursor, filters, options)
    return Rendered.of(page.json(), headers=headers)


def _next_link(path: str, cursor: str, filters: CommitmentFilters, options: PageOptions) -> str:
    params = filter_query_params(filters) | {
        "sort": options.sort.value,
        "limit": options.limit,
        "cursor": cursor,
    }
    if options.total:
        params["total"] = "true"
    # doseq: a filter given several times (status) must come back as several parameters.
    # Relative (RFC 8288 resolves it against the request): nothing from the Host header.
    return f'<{path}?{urlencode(params, doseq=True)}>; rel="next"'


def page_parameters(query: Query) -> tuple[CommitmentFilters, PageOptions] | None:
    """The filters and options of a page's query exactly as the route reads them, or None
    when the route must answer (and refuse, if it refuses)."""
    given: dict[str, list[str]] = {}
    for name, value in query:
        given.setdefault(name, []).append(value)
    if any(len(values) > 1 and name not in _LISTS for name, values in given.items()):
        return None
    single = {name: values if name in _LISTS else values[0] for name, values in given.items()}
    wanted = {
        name: value for name, value in single.items() if name in CommitmentFilters.model_fields
    }
    rest = {name: value for name, value in single.items() if name not in wanted}
    try:
        return CommitmentFilters.model_validate(wanted), PageOptions.model_validate(rest)
    except ValidationError:
        return None


@dataclass(frozen=True)
class CommitmentReads:
    """The direct reader of commitments (app.core.answers.DirectRead)."""

    database: Database

    def serves(self, path: str) -> bool:
        return path == PAGE_ROUTE or _ONE_PATH.fullmatch(path) is not None

    def direct(self, path: str, query: Query) -> Direct | None:
        if path == PAGE_ROUTE:
            parameters = page_parameters(query)
            if parameters is None:
                return None
            return Direct(PAGE_ROUTE, partial(self._page, path, *parameters))
        found = _ONE_PATH.fullmatch(path)
        if found is None or query:
            return None
        return Direct(ONE_ROUTE, partial(self._one, found[1]), on_loop=True)

    def _one(self, ref: str, principal: Principal) -> Rendered:
        # One statement by a unique key: cheaper on the loop's own connection than a hop to
        # a worker thread, and bounded by that connection's timeouts.
        with self.database.loop.use() as connection:
            return render_one(connection=connection, ref=ref, principal=principal)

    def _page(
        self, path: str, filters: CommitmentFilters, options: PageOptions, principal: Principal
    ) -> Rendered:
        with self.database.transaction(write=False) as session:
            return render_page(
                session=session, path=path, filters=filters, options=options, principal=principal
            )
