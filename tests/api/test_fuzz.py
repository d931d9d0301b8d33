"""Schema-driven fuzzing (schemathesis) of every API operation, authenticated with a real key.

Requests are generated from the app's own OpenAPI schema; every response must be a non-5xx
that conforms to the schema (status code documented, content type, body shape). Examples are
bounded so the whole run stays within a few seconds per backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI emits OpenAPI 3.1


@pytest.fixture
def api_schema(app, client):
    return schemathesis.from_asgi("/openapi.json", app)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, auth):
    response = case.call_and_validate(headers=auth)
    assert response.status_code < 500
