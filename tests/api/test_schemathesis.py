"""Property-based fuzzing of the HTTP API from its own OpenAPI schema: whatever the body,
the answer is never a server error."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from assist.api import create_app
from assist.core.embed import HashEmbedder
from assist.core.index import build_index
from assist.core.playbooks import load_playbooks
from assist.settings import Settings
from conftest import AGENT_KEY, FIXTURE_PLAYBOOKS, LiveServer


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
        api_keys=[ApiKey(name="fuzz", role="admin", sha256=hash_key(AGENT_KEY))],
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    settings = _app_settings(str(tmp_path_factory.mktemp("fuzz")))
    with LiveServer(create_app(settings)) as server:
        yield server


def test_no_server_errors(live):
    # schemathesis's pytest plugin does not run on pytest 9 yet, so the operations'
    # strategies are driven by hypothesis directly; same generation, same check.
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    headers = {"Authorization": f"Bearer {AGENT_KEY}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/suggest", "POST /v1/admin/reload"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
