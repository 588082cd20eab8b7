"""The clients and `assist suggest --url` against a real uvicorn server on loopback."""

import asyncio
import json

import pytest
from click.testing import CliRunner

from assist.api import create_app
from assist.cli import main
from assist.client import ApiError, AssistClient, AsyncAssistClient
from conftest import ADMIN_KEY, AGENT_KEY, LiveServer, build


@pytest.fixture
def server(api_settings):
    build(api_settings)
    with LiveServer(create_app(api_settings)) as live:
        yield live


def test_sync_client_suggests_and_reloads(server):
    with AssistClient(server.url, AGENT_KEY) as client:
        answer = client.suggest("سفارشم دیر شده", conversation_id="c-7", customer={"name": "سارا"})
        assert answer["signals"]["lang"] == "fa"
        assert answer["suggestions"][0]["text"].startswith("سارا")
        assert client.ready()["status"] == "ready"
        with pytest.raises(ApiError) as info:
            client.reload()
        assert info.value.status_code == 403
    with AssistClient(server.url, ADMIN_KEY) as admin:
        assert admin.reload()["changed"] is False


def test_async_client(server):
    async def ask():
        async with AsyncAssistClient(server.url, AGENT_KEY) as client:
            return await asyncio.gather(
                *(client.suggest("my order is late", k=1) for _ in range(8))
            )

    answers = asyncio.run(ask())
    assert {a["suggestions"][0]["entry_id"] for a in answers} == {"order-late"}


def test_clients_send_feedback_with_the_answer_id(server):
    with AssistClient(server.url, AGENT_KEY) as client:
        answer = client.suggest("my order is late", conversation_id="c-fb")
        first = answer["suggestions"][0]["id"]
        with pytest.raises(ApiError) as info:  # nothing shown yet
            client.feedback(first, "inserted", conversation_id="c-fb", final_text="Hi")
        assert info.value.status_code == 422 and "never shown" in str(info.value.detail)
        shown = client.shown(answer, conversation_id="c-fb")
        assert [r["action"] for r in shown] == ["shown"] * len(answer["suggestions"])
        text = answer["suggestions"][0]["text"]
        done = client.feedback(
            first, "inserted", conversation_id="c-fb", final_text=text, idempotency_key="k-1"
        )
        again = client.feedback(
            first, "inserted", conversation_id="c-fb", final_text=text, idempotency_key="k-1"
        )
        assert done == again and done["action"] == "inserted"

    async def dismiss():
        async with AsyncAssistClient(server.url, AGENT_KEY) as client:
            answer = await client.suggest("my order is late", conversation_id="c-async")
            await client.shown(answer, conversation_id="c-async")
            last = answer["suggestions"][-1]
            return await client.feedback(
                last["id"], "dismissed", conversation_id="c-async", answer_id=answer["answer_id"]
            )

    assert asyncio.run(dismiss())["action"] == "dismissed"


def test_client_errors_carry_status_and_detail(server):
    with AssistClient(server.url, "ak_wrong") as client, pytest.raises(ApiError) as info:
        client.suggest("hi")
    assert info.value.status_code == 401 and "unknown API key" in str(info.value)
    with (
        AssistClient("http://127.0.0.1:9", AGENT_KEY) as nowhere,
        pytest.raises(ApiError, match="cannot reach"),
    ):
        nowhere.suggest("hi")


def test_cli_suggest_against_a_server(server):
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "suggest",
            "my order is late",
            "--url",
            server.url,
            "--key",
            AGENT_KEY,
            "--json",
            "--name",
            "Sara",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["suggestions"][0]["entry_id"] == "order-late"
    denied = runner.invoke(main, ["suggest", "hi", "--url", server.url, "--key", "nope"])
    assert denied.exit_code == 1 and "HTTP 401" in denied.output


def test_clients_check_share_and_search(server):
    with AssistClient(server.url, AGENT_KEY) as client:
        found = client.check(
            "We will refund you within 30 days, guaranteed.", message="my order is late"
        )
        assert "over_promise" in {f["code"] for f in found["findings"]}
        shared = client.share(
            "Sara, we can gift-wrap order A-9: [[which paper]]",
            message="can you gift wrap it",
            customer={"name": "Sara", "order_id": "A-9"},
        )
        assert shared["status"] == "proposed" and "{{customer_name}}" in shared["replies"]["en"][0]
        with pytest.raises(ApiError) as info:
            client.share("mail me at sara@example.com", message="gift wrap?")
        assert info.value.status_code == 422 and "email" in str(info.value.detail)
        assert client.library("track", lang="en")[0]["entry_id"]

    async def ask():
        async with AsyncAssistClient(server.url, AGENT_KEY) as client:
            return await client.check("Not possible.", message="can I change my order")

    assert "bare_refusal" in {f["code"] for f in asyncio.run(ask())["findings"]}
