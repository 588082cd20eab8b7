"""What a feedback event needs first: an answer that offered the suggestion in that
conversation, and a `shown` of it. In the store (as the API's writer records answers)
or through the HTTP API (a real /v1/suggest, then `shown` with its answer_id)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assist.store.answers import Answer, new_answer_id
from assist.store.feedback import Store


def answer(
    conversation_id: str,
    *suggestion_ids: str,
    key_name: str = "agent-1",
    team: str = "default",
    at: datetime | None = None,
    match: str = "confident",
    message: str | None = None,
) -> Answer:
    return Answer(
        id=new_answer_id(),
        created_at=at or datetime.now(UTC),
        key_name=key_name,
        team=team,
        conversation_id=conversation_id,
        lang="en",
        mood="calm",
        match=match,
        best_score=0.9,
        top_entry_id=suggestion_ids[0].split("/")[0] if suggestion_ids else None,
        suggestion_ids=suggestion_ids,
        index_version="test",
        message=message,
    )


def serve(
    store: Store,
    conversation_id: str,
    *suggestion_ids: str,
    key_name: str = "agent-1",
    team: str = "default",
    at: datetime | None = None,
) -> str:
    """Store an answer offering `suggestion_ids` in `conversation_id` and a `shown` of
    each; returns the answer's id."""
    served = answer(conversation_id, *suggestion_ids, key_name=key_name, team=team, at=at)
    store.answers.add_many([served])
    for suggestion_id in suggestion_ids:
        store.record_feedback(
            key_name=key_name,
            team=team,
            conversation_id=conversation_id,
            suggestion_id=suggestion_id,
            action="shown",
            answer_id=served.id,
            at=at,
        )
    return served.id


def shown_via_api(
    client: Any,
    headers: dict[str, str],
    conversation_id: str,
    suggestion_id: str,
    message: str = "my order is late, where is it?",
) -> dict[str, Any]:
    """POST /v1/suggest, then `shown` for `suggestion_id` (which the answer must offer);
    returns the suggestion as the answer gave it, with its `answer_id`."""
    body = {"conversation_id": conversation_id, "message": message}
    found = client.post("/v1/suggest", json=body, headers=headers)
    assert found.status_code == 200, found.text
    data = found.json()
    suggestion = next((s for s in data["suggestions"] if s["id"] == suggestion_id), None)
    assert suggestion is not None, (suggestion_id, [s["id"] for s in data["suggestions"]])
    shown = {
        "conversation_id": conversation_id,
        "suggestion_id": suggestion_id,
        "action": "shown",
        "answer_id": data["answer_id"],
    }
    response = client.post("/v1/feedback", json=shown, headers=headers)
    assert response.status_code == 201, response.text
    return {**suggestion, "answer_id": data["answer_id"]}


def show_first(
    client: Any,
    headers: dict[str, str],
    conversation_id: str,
    message: str = "my order is late, where is it?",
) -> dict[str, Any]:
    """POST /v1/suggest, then `shown` for its first suggestion; returns that suggestion
    with the answer's `answer_id`."""
    body = {"conversation_id": conversation_id, "message": message}
    found = client.post("/v1/suggest", json=body, headers=headers).json()
    assert found["suggestions"], found
    return shown_via_api(client, headers, conversation_id, found["suggestions"][0]["id"], message)


def acted(store: Store) -> list[Any]:
    """The events other than `shown`."""
    return [e for e in store.feedback() if e.action != "shown"]
