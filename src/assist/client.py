"""Python clients for a running `assist serve`, sync and async (httpx).

with AssistClient("http://127.0.0.1:8000", key="ak_...") as client:
    answer = client.suggest("where is my order?", conversation_id="c-1",
                            customer={"name": "Sara"})
    client.shown(answer, conversation_id="c-1")  # the suggestions the agent saw
    first = answer["suggestions"][0]
    client.feedback(first["id"], "inserted", conversation_id="c-1", final_text="...")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .errors import AssistError


class ApiError(AssistError):
    """The server answered with an error; `status` and `detail` are its own."""

    def __init__(self, status: int, detail: Any):
        self.status_code = status
        self.detail = detail
        super().__init__(f"HTTP {status}: {detail}")


def _suggest_body(
    message: str,
    conversation_id: str,
    history: Sequence[Mapping[str, Any]] | None,
    customer: Mapping[str, Any] | None,
    lang: str | None,
    k: int | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "message": message,
        "history": list(history or []),
        "customer": dict(customer or {}),
    }
    if lang:
        body["lang"] = lang
    if k:
        body["k"] = k
    return body


def _feedback_body(
    suggestion_id: str,
    action: str,
    conversation_id: str,
    answer_id: str | None,
    final_text: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "suggestion_id": suggestion_id,
        "conversation_id": conversation_id,
        "action": action,
    }
    if answer_id is not None:
        body["answer_id"] = answer_id
    if final_text is not None:
        body["final_text"] = final_text
    return body


def _shown_bodies(answer: Mapping[str, Any], conversation_id: str) -> list[dict[str, Any]]:
    return [
        _feedback_body(s["id"], "shown", conversation_id, answer["answer_id"], None)
        for s in answer.get("suggestions", [])
    ]


def _idempotency(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key else {}


def _json(response: httpx.Response) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = {"detail": response.text[:500]}
    if response.is_error:
        detail = data.get("detail", data) if isinstance(data, dict) else data
        raise ApiError(response.status_code, detail)
    return data


def _http_options(base_url: str, key: str | None, timeout: float, transport: Any) -> dict[str, Any]:
    """What the sync and async clients share: one base URL, the key header, the timeout."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return {
        "base_url": base_url.rstrip("/"),
        "headers": headers,
        "timeout": timeout,
        "transport": transport,
    }


class AssistClient:
    def __init__(
        self,
        base_url: str,
        key: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self._http = httpx.Client(**_http_options(base_url, key, timeout, transport))

    def __enter__(self) -> AssistClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def suggest(
        self,
        message: str,
        *,
        conversation_id: str = "client",
        history: Sequence[Mapping[str, Any]] | None = None,
        customer: Mapping[str, Any] | None = None,
        lang: str | None = None,
        k: int | None = None,
    ) -> dict[str, Any]:
        body = _suggest_body(message, conversation_id, history, customer, lang, k)
        try:
            return dict(_json(self._http.post("/v1/suggest", json=body)))
        except httpx.TransportError as exc:
            raise ApiError(0, f"cannot reach {self._http.base_url}: {exc}") from exc

    def feedback(
        self,
        suggestion_id: str,
        action: str,
        *,
        conversation_id: str = "client",
        answer_id: str | None = None,
        final_text: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """POST /v1/feedback: `shown` needs the `answer_id` of the /v1/suggest answer
        the suggestion came in; inserted, sent and dismissed need a `shown` first
        (ApiError 422 "never shown"). Returns `{id, action}` (`sent_rewritten` when the
        sent text no longer resembles the inserted one)."""
        body = _feedback_body(suggestion_id, action, conversation_id, answer_id, final_text)
        headers = _idempotency(idempotency_key)
        return dict(_json(self._http.post("/v1/feedback", json=body, headers=headers)))

    def shown(
        self, answer: Mapping[str, Any], *, conversation_id: str = "client"
    ) -> list[dict[str, Any]]:
        """`shown` for every suggestion of an answer `suggest` returned, in its order."""
        return [
            dict(_json(self._http.post("/v1/feedback", json=body)))
            for body in _shown_bodies(answer, conversation_id)
        ]

    def check(
        self, draft: str, *, conversation_id: str = "client", **fields: Any
    ) -> dict[str, Any]:
        """POST /v1/check: findings on a draft (`message`, `suggestion_id`, `customer`,
        `history`, `lang`, `mood` as keyword arguments)."""
        body = {"draft": draft, "conversation_id": conversation_id, **fields}
        return dict(_json(self._http.post("/v1/check", json=body)))

    def share(self, text: str, *, message: str, **fields: Any) -> dict[str, Any]:
        """POST /v1/snippets: share a reply (`customer`, `visibility`, `suggestion_id`,
        `entry_id`, `title` as keyword arguments); ApiError 422 names personal data."""
        body = {"text": text, "message": message, **fields}
        return dict(_json(self._http.post("/v1/snippets", json=body)))

    def library(self, q: str, *, lang: str | None = None, k: int = 10) -> list[dict[str, Any]]:
        """GET /v1/library: replies found by typing."""
        params: dict[str, Any] = {"q": q, "k": k, **({"lang": lang} if lang else {})}
        return list(_json(self._http.get("/v1/library", params=params))["results"])

    def reload(self) -> dict[str, Any]:
        return dict(_json(self._http.post("/v1/admin/reload")))

    def ready(self) -> dict[str, Any]:
        return dict(_json(self._http.get("/readyz")))


class AsyncAssistClient:
    def __init__(
        self,
        base_url: str,
        key: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._http = httpx.AsyncClient(**_http_options(base_url, key, timeout, transport))

    async def __aenter__(self) -> AsyncAssistClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def suggest(
        self,
        message: str,
        *,
        conversation_id: str = "client",
        history: Sequence[Mapping[str, Any]] | None = None,
        customer: Mapping[str, Any] | None = None,
        lang: str | None = None,
        k: int | None = None,
    ) -> dict[str, Any]:
        body = _suggest_body(message, conversation_id, history, customer, lang, k)
        try:
            return dict(_json(await self._http.post("/v1/suggest", json=body)))
        except httpx.TransportError as exc:
            raise ApiError(0, f"cannot reach {self._http.base_url}: {exc}") from exc

    async def feedback(
        self,
        suggestion_id: str,
        action: str,
        *,
        conversation_id: str = "client",
        answer_id: str | None = None,
        final_text: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """POST /v1/feedback (see AssistClient.feedback)."""
        body = _feedback_body(suggestion_id, action, conversation_id, answer_id, final_text)
        headers = _idempotency(idempotency_key)
        return dict(_json(await self._http.post("/v1/feedback", json=body, headers=headers)))

    async def shown(
        self, answer: Mapping[str, Any], *, conversation_id: str = "client"
    ) -> list[dict[str, Any]]:
        """`shown` for every suggestion of an answer (see AssistClient.shown)."""
        return [
            dict(_json(await self._http.post("/v1/feedback", json=body)))
            for body in _shown_bodies(answer, conversation_id)
        ]

    async def check(
        self, draft: str, *, conversation_id: str = "client", **fields: Any
    ) -> dict[str, Any]:
        """POST /v1/check (see AssistClient.check)."""
        body = {"draft": draft, "conversation_id": conversation_id, **fields}
        return dict(_json(await self._http.post("/v1/check", json=body)))

    async def reload(self) -> dict[str, Any]:
        return dict(_json(await self._http.post("/v1/admin/reload")))

    async def ready(self) -> dict[str, Any]:
        return dict(_json(await self._http.get("/readyz")))
