"""Property-based fuzzing of every operation against the app's own OpenAPI schema, as each
role: no 5xx, every response as documented (status, content type, body schema), every error
problem+json.

Bounded here (FUZZ_EXAMPLES per operation, default 5); `make fuzz` runs longer."""

import os

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import bearer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Left out: "a schema-valid request is accepted". A request can be valid in form and still
# name what the register does not hold (an unknown party code, another side's contact, a
# cursor it never issued, a stale ETag); those get a 4xx problem by design.
ROLES = ["admin", "us-editor", "rok-viewer"]


def test_every_operation_as_every_role(app: FastAPI) -> None:
    # The fuzzer must not lock itself out: by failed logins, by revoking its own tokens or by
    # disabling its own users.
    app.state.auth_failures.limit = 10**9
    schema = (
        schemathesis.openapi.from_asgi("/openapi.json", app)
        .exclude(path_regex=r"^/api/v1/(tokens|users)/\{")
        .exclude(method="DELETE", path="/api/v1/me/calendar-token")
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
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
