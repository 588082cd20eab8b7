"""Property-based fuzzing of the HTTP API from its own OpenAPI schema, with an agent key
and with an admin key: whatever the body, the answer is never a server error, and its
status, content type, headers and body are the ones the schema documents."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assist.api import create_app
from assist.core.embed import HashEmbedder
from assist.core.index import build_index
from assist.core.playbooks import load_playbooks
from assist.settings import Settings
from conftest import ADMIN_KEY, AGENT_KEY, FIXTURE_PLAYBOOKS, LiveServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _app_settings(tmp: str) -> Settings:
    from pathlib import Path

    from assist.api.auth import hash_key
    from assist.settings import ApiKey

    root = Path(tmp)
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), HashEmbedder(), root / "index")
    return Settings(
        _env_file=None,
        embedder="hash",
        index_dir=root / "index",  # type: ignore[call-arg]
        api_keys_file=root / "none.yaml",
        reload_poll_seconds=0,
        rate_limit_per_second=0,
        api_keys=[
            ApiKey(name="fuzz-agent", role="agent", sha256=hash_key(AGENT_KEY)),
            ApiKey(name="fuzz-admin", role="admin", sha256=hash_key(ADMIN_KEY)),
        ],
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    settings = _app_settings(str(tmp_path_factory.mktemp("fuzz")))
    with LiveServer(create_app(settings)) as server:
        yield server


@pytest.mark.parametrize("key", [AGENT_KEY, ADMIN_KEY], ids=["agent", "admin"])
def test_no_server_errors_and_answers_as_documented(live, key):
    # schemathesis's pytest plugin does not run on pytest 9 yet, so the operations'
    # strategies are driven by hypothesis directly; same generation, same checks.
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    headers = {"Authorization": f"Bearer {key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/suggest", "POST /v1/admin/reload"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("ASSIST_SCHEMATHESIS_EXAMPLES", "60")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
