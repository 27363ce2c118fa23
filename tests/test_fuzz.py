"""Property-based fuzzing of every operation against the app's own OpenAPI schema, as each
role: no 5xx, every response as documented (status, content type, body schema), every error
problem+json.

Bounded here (FUZZ_EXAMPLES per operation, default 5); `make fuzz` runs longer."""

import os
import re

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.main import create_app
from tests.conftest import bearer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Left out: "a schema-valid request is accepted". A request can be valid in form and still
# name what the register does not hold (an unknown party code, another side's contact, a
# cursor it never issued, a stale ETag); those get a 4xx problem by design.
ROLES = ["admin", "us-editor", "rok-viewer"]
LOCKOUT = re.compile(r"^/api/v1/(tokens|users)/|^/api/v1/me/calendar-token$")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    # Failed logins must not lock the fuzzer out.
    return create_app(settings.model_copy(update={"auth_failures_per_minute": 100_000}))


def test_every_operation_as_every_role(app: FastAPI) -> None:
    # Revoking tokens and disabling users may lock the fuzzer out, so those operations go last
    # (this database is the test's own).
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: (
            operation.method.upper() == "DELETE" and LOCKOUT.match(operation.path) is not None
        ),
    )
    assert len(operations) >= 40
    calls = 0

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            nonlocal calls
            for role in ROLES:
                response = case.call(headers=bearer(role))
                calls += 1
                assert response.status_code < 500, (case.operation.label, role, response.text[:300])
                if response.status_code >= 400:
                    assert response.headers["content-type"] == ["application/problem+json"]
                case.validate_response(response, excluded_checks=[positive_data_acceptance])

        check()
    assert calls >= len(operations) * len(ROLES)
    print(f"fuzz: {len(operations)} operations, {calls} requests, every check passed")


def test_stateful_workflows_follow_the_links(app: FastAPI) -> None:
    """Sequences of calls where one's output feeds the next (create, then read, change,
    archive), with every answer checked as above."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
        path_regex=LOCKOUT.pattern
    )
    workflow = schema.as_state_machine()
    seen: list[str] = []

    class AsAdmin(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": bearer("admin")}

        def validate_response(self, response, case, additional_checks=(), **kwargs) -> None:
            seen.append(case.operation.label)
            assert response.status_code < 500, (case.operation.label, response.text[:300])
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    AsAdmin.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
    followed = [label for label in seen if "{" in label]
    print(
        f"fuzz (stateful): {len(seen)} calls, {len(followed)} on resources found by earlier calls"
    )
    assert followed, "some steps act on what an earlier step created"
