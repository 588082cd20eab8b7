"""HTTP edge: with auth switched off, answer only a local caller on a local address.

Checked per request from the ASGI scope, so it holds however the app was started
(`assist serve`, `uvicorn --factory ... --host 0.0.0.0`, gunicorn): `server` is the
address the connection actually arrived on, `client` the peer (or, behind a trusted
proxy that sends X-Forwarded-For, the original caller).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .limits import reply

REFUSED = (
    "auth is disabled (ASSIST_AUTH_DISABLED=true), so only loopback callers on a loopback "
    "address are answered: configure API keys to serve other hosts"
)


def is_loopback(address: Any) -> bool:
    """True for a loopback IP (IPv4-mapped too); False for anything else, including
    names, unix sockets and missing addresses."""
    host = address[0] if isinstance(address, list | tuple) and address else None
    if not isinstance(host, str):
        return False
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


class LoopbackOnlyMiddleware:
    """403 with a JSON `detail` unless both ends of the connection are loopback."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if is_loopback(scope.get("server")) and is_loopback(scope.get("client")):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            await reply(send, 403, REFUSED)
        else:  # a websocket: refuse the handshake
            await send({"type": "websocket.close", "code": 1008})
