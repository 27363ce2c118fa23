"""The client refuses, before sending anything, the filters, sorts and values the API refuses,
and takes the ones the API takes, with the same meaning."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.client import (
    AsyncCommitmentsClient,
    ClientError,
    CommitmentsClient,
    InvalidQueryError,
    queries,
)
from app.commitments.filters import CommitmentFilters
from app.vocabulary.commitments import CommitmentStatus
from tests.client.conftest import Recording
from tests.conftest import TOKENS

REF = "SCM56-RCF-13"


class AsyncCounting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.sent = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await self.inner.handle_async_request(request)


def refs(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [item["ref"] for item in page.json()["items"]]


# Each: the query the API refuses, and the name the client must name in its refusal.
REFUSED_LIST_QUERIES = [
    ({"stauts": "blocked"}, "stauts"),
    ({"sort": "due"}, "sort"),
    ({"sort": "due_date,ref"}, "sort"),
    ({"status": "blocked,overdue"}, "status"),
    ({"status": ["blocked", "blokked"]}, "status"),
    ({"kind": ["promise"]}, "kind"),
    ({"due_before": "2026-13-01"}, "due_before"),
    ({"due_after": "01/02/2026"}, "due_after"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"stale_days": 0}, "stale_days"),
    ({"due_within_days": "soon"}, "due_within_days"),
    ({"overdue": "perhaps"}, "overdue"),
    ({"party": ["US", "ROK"]}, "party"),
    ({"meeting": "SCM 56"}, "meeting"),
    ({"q": "x" * 201}, "q"),
]


def test_what_the_list_refuses_the_client_refuses_unsent(
    recorded: tuple[CommitmentsClient, Recording], as_user
) -> None:
    api = as_user("us-editor")
    client, transport = recorded
    for query, named in REFUSED_LIST_QUERIES:
        answered = api.get("/api/v1/commitments", params=query)
        assert answered.status_code == 422, (query, answered.text)
        with pytest.raises(InvalidQueryError) as refused:
            client.iter_commitments(**query)
        with pytest.raises(InvalidQueryError):
            client.list_commitments(query)
        with pytest.raises(InvalidQueryError):
            client.summary("area", query)
        error = refused.value
        assert isinstance(error, ClientError)
        assert error.names == (named,), query
        assert named in str(error)
        assert "status" in error.allowed
        assert "sort" in error.allowed
        assert "limit" not in error.allowed, "the client sets the page size itself"
    assert transport.sent == 0


def test_an_unknown_filter_names_itself_and_every_allowed_name(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    with pytest.raises(InvalidQueryError) as refused:
        client.iter_commitments(stauts="blocked", party="US")
    message = str(refused.value)
    assert "'stauts'" in message
    for name in ("status", "party", "due_before", "sort"):
        assert name in message
    assert transport.sent == 0


def test_the_page_size_and_cursor_are_the_clients_own(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    for reserved in ({"limit": 5}, {"cursor": "abc"}, {"format": "csv"}):
        with pytest.raises(InvalidQueryError) as refused:
            client.iter_commitments(**reserved)
        assert refused.value.names == tuple(reserved)
        assert "set by the method" in str(refused.value)
    with pytest.raises(InvalidQueryError) as too_many:
        client.list_commitments(limit=201)
    assert too_many.value.names == ("limit",)
    assert transport.sent == 0


def test_a_sort_is_sent_and_followed(
    recorded: tuple[CommitmentsClient, Recording], as_user
) -> None:
    client, _ = recorded
    api = as_user("us-editor")
    for sort in ("due_date", "-due_date", "-ref"):
        expected = refs(api.get("/api/v1/commitments", params={"sort": sort, "limit": 200}))
        assert [c.ref for c in client.iter_commitments(sort=sort)] == expected
        assert [c.ref for c in client.list_commitments(sort=sort, limit=200).items] == expected
    assert [c.ref for c in client.iter_commitments(sort="due_date")] != [
        c.ref for c in client.iter_commitments()
    ], "the seeded register's due-date order is not its reference order"


def test_one_value_is_a_list_of_one_as_in_the_api(
    recorded: tuple[CommitmentsClient, Recording], as_user
) -> None:
    client, _ = recorded
    api = as_user("us-editor")
    completed = refs(api.get("/api/v1/commitments", params={"status": "completed"}))
    assert completed
    assert [c.ref for c in client.iter_commitments(status="completed")] == completed
    assert [c.ref for c in client.iter_commitments(status=CommitmentStatus.completed)] == completed
    assert [c.ref for c in client.iter_commitments(status=["completed"])] == completed
    typed = CommitmentFilters(status=[CommitmentStatus.completed])
    assert [c.ref for c in client.iter_commitments(typed)] == completed


def test_none_is_a_filter_not_given(recorded: tuple[CommitmentsClient, Recording]) -> None:
    client, _ = recorded
    everything = [c.ref for c in client.iter_commitments()]
    assert [c.ref for c in client.iter_commitments(party=None, status=None)] == everything


def test_reports_refuse_what_their_operations_refuse(
    recorded: tuple[CommitmentsClient, Recording], as_user
) -> None:
    client, transport = recorded
    api = as_user("us-editor")
    refusals = [
        ("/api/v1/reports/summary", {"group_by": "colour"}, lambda: client.summary("colour")),
        (
            "/api/v1/reports/summary",
            {"stauts": "open"},
            lambda: client.summary("area", {"stauts": "open"}),
        ),
        (
            "/api/v1/reports/summary",
            {"stauts": "open"},
            lambda: client.report_text("/api/v1/reports/summary", "csv", stauts="open"),
        ),
        (
            "/api/v1/reports/overdue",
            {"as_of": "2026-02-30"},
            lambda: client.overdue(as_of="2026-02-30"),  # type: ignore[arg-type]
        ),
        (
            "/api/v1/reports/deadlines",
            {"as_of": "soon"},
            lambda: client.deadlines(as_of="soon"),  # type: ignore[arg-type]
        ),
        (
            "/api/v1/reports/deadlines",
            {"party": "US"},
            lambda: client.report_text("/api/v1/reports/deadlines", "markdown", party="US"),
        ),
        (
            "/api/v1/reports/cycle",
            {"meeting": "SCM 57"},
            lambda: client.cycle_report("SCM 57"),
        ),
        (
            "/api/v1/commitments",
            {"format": "xml"},
            lambda: client.report_text("/api/v1/commitments", "xml"),
        ),
        (
            "/api/v1/commitments",
            {"sort": "title"},
            lambda: client.report_text("/api/v1/commitments", "csv", sort="title"),
        ),
    ]
    for path, query, call in refusals:
        answered = api.get(path, params=query)
        assert answered.status_code == 422, (path, query, answered.text)
        with pytest.raises(InvalidQueryError) as refused:
            call()
        assert refused.value.names == tuple(query), (path, query)
    with pytest.raises(InvalidQueryError) as own:
        client.report_text("/api/v1/commitments", "csv", format="json")
    assert own.value.names == ("format",), "the output argument chooses the format"
    with pytest.raises(InvalidQueryError) as unknown:
        client.report_text("/api/v1/reports/everything", "csv")
    assert "/api/v1/reports/summary" in str(unknown.value)
    assert transport.sent == 0
    csv_text = client.report_text(
        "/api/v1/commitments", "csv", status="completed", sort="-due_date"
    )
    exported = api.get(
        "/api/v1/commitments", params={"status": "completed", "sort": "-due_date", "format": "csv"}
    )
    assert csv_text == exported.text
    assert transport.sent == 1


def test_candidates_refuse_an_unknown_state_unsent(
    recorded: tuple[CommitmentsClient, Recording],
) -> None:
    client, transport = recorded
    with pytest.raises(InvalidQueryError) as refused:
        client.candidates("any-statement", state="pending")
    assert refused.value.names == ("state",)
    assert "proposed" in str(refused.value)
    with pytest.raises(InvalidQueryError):
        client.candidates("any-statement", kind="wish")
    assert transport.sent == 0


def test_the_async_client_refuses_before_iterating(app: FastAPI) -> None:
    async def scenario() -> None:
        transport = AsyncCounting(httpx.ASGITransport(app=app))
        async with AsyncCommitmentsClient(
            "http://test", TOKENS["rok-editor"], transport=transport
        ) as client:
            with pytest.raises(InvalidQueryError):
                client.iter_commitments(stauts="blocked")
            with pytest.raises(InvalidQueryError):
                await client.list_commitments(sort="due")
            with pytest.raises(InvalidQueryError):
                await client.summary("area", {"status": "blocked,open"})
            assert transport.sent == 0
            by_due = [c.ref async for c in client.iter_commitments(sort="-due_date", party="ROK")]
            assert transport.sent == 1
            assert by_due == [
                c.ref
                for c in (
                    await client.list_commitments({"party": "ROK"}, sort="-due_date", limit=200)
                ).items
            ]

    asyncio.run(scenario())


def _schema_parameters(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    operation = schema["paths"][path]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}


def _enum(schema: dict[str, Any], components: dict[str, Any]) -> list[str] | None:
    """The values an enumerated parameter takes, wherever the schema puts them."""
    if "$ref" in schema:
        return _enum(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "enum" in schema:
        return list(schema["enum"])
    for key in ("anyOf", "allOf", "oneOf"):
        for part in schema.get(key, []):
            found = _enum(part, components)
            if found is not None:
                return found
    if schema.get("type") == "array":
        return _enum(schema["items"], components)
    return None


OPERATIONS = [
    queries.COMMITMENTS,
    queries.SUMMARY,
    queries.DEADLINES,
    queries.OVERDUE,
    queries.CYCLE,
    queries.CANDIDATES,
    queries.COMMITMENT,
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.path)
def test_the_client_takes_exactly_the_apis_parameters(
    client: TestClient, operation: queries.Operation
) -> None:
    """The API's own description of each operation against the client's: the same names, and
    for each enumerated one the same values."""
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    declared = _schema_parameters(schema, operation.path)
    assert operation.names == set(declared)
    if operation.filters:
        assert set(CommitmentFilters.model_fields) == queries.FILTERS
        assert set(declared) >= queries.FILTERS
    for name, parameter in declared.items():
        values = _enum(parameter, components)
        if values is not None:
            for value in values:
                operation.query({name: value})
            with pytest.raises(InvalidQueryError):
                operation.query({name: "not-one-of-them"})
        _same_bounds(operation, name, _bounds(parameter))


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """minimum, maximum, maxLength and type of a parameter, an optional one's included."""
    found = {
        key: schema[key] for key in ("minimum", "maximum", "maxLength", "type") if key in schema
    }
    for part in schema.get("anyOf", []):
        found |= _bounds(part)
    return found


def _same_bounds(operation: queries.Operation, name: str, bounds: dict[str, Any]) -> None:
    step = 1 if bounds.get("type") == "integer" else 0.01
    for edge, outside in (("minimum", -step), ("maximum", step)):
        if edge in bounds:
            operation.query({name: bounds[edge]})
            with pytest.raises(InvalidQueryError):
                operation.query({name: bounds[edge] + outside})
    if "maxLength" in bounds:
        operation.query({name: "a" * bounds["maxLength"]})
        with pytest.raises(InvalidQueryError):
            operation.query({name: "a" * (bounds["maxLength"] + 1)})
