"""HTTP edge: a request body is read only from a known key, whole within the size
limit and the time limit, before anything parses it."""

from __future__ import annotations

import json
from typing import Any

import anyio
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers

from .auth import KeyRing

Scope = dict[str, Any]
AUTHENTICATED = "/v1/"  # every route under it needs a key


class BodyLimitMiddleware:
    """413 with a JSON `detail` for a body over `limit` bytes: by Content-Length when the
    client sends one, otherwise while the body streams in; 408 for one that is not whole
    within `read_seconds`.

    With `keys` (auth on), a `/v1/` request whose key is missing or unknown never has
    its body read: the app sees an empty one, and its auth check answers (401, or 429
    for a guesser), so an endless body from anyone costs nothing. Every early answer
    closes the connection, as the unread rest of the body can't be skipped."""

    def __init__(self, app: Any, limit: int, read_seconds: float, keys: KeyRing | None):
        self.app, self.limit, self.read_seconds, self.keys = app, limit, read_seconds, keys

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await reply(send, 400, "Content-Length is not a number")
                return
            if size > self.limit:
                await reply(send, 413, self._message(size))
                return
        if self._unknown_caller(scope):
            await self.app(scope, _empty_body(receive), _closing(send))
            return
        # Read the whole body here (it is small by definition), so an oversized or
        # endless stream is refused before any handler parses a byte of it.
        chunks: list[bytes] = []
        received = 0
        with anyio.move_on_after(self.read_seconds) as reading:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.limit:
                    await reply(send, 413, self._message(received))
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        if reading.cancelled_caught:
            detail = (
                f"request body not received within {self.read_seconds:g} s "
                f"(body_timeout_seconds); {received} bytes arrived"
            )
            await reply(send, 408, detail)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self, size: int) -> str:
        return f"request body is {size} bytes; the limit is {self.limit} (max_body_bytes)"

    def _unknown_caller(self, scope: Scope) -> bool:
        """Auth is on, the route needs a key, and this one is missing or unknown (parsed
        as the app's HTTPBearer parses it)."""
        if self.keys is None or not scope["path"].startswith(AUTHENTICATED):
            return False
        scheme, key = get_authorization_scheme_param(Headers(scope=scope).get("authorization"))
        return scheme.lower() != "bearer" or not key or self.keys.identify(key) is None


def _empty_body(receive: Any) -> Any:
    """A receive that reports an empty body, then only the client's disconnect."""
    told = False

    async def empty() -> Any:
        nonlocal told
        if not told:
            told = True
            return {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message

    return empty


def _closing(send: Any) -> Any:
    """A send that asks the server to close the connection after this response."""

    async def closing(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
            message = {**message, "headers": [*headers, (b"connection", b"close")]}
        await send(message)

    return closing


async def reply(send: Any, status: int, detail: str) -> None:
    """A JSON `{"detail": ...}` answer that closes the connection: sent before the body
    was read (or while it still streams), so the connection can't carry another request."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
