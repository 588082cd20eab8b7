"""How `assist serve` runs uvicorn: the connection limits an ASGI app can't set itself.

uvicorn has no deadline for a request's headers, with h11 or httptools: its keep-alive
timer runs only between requests and any byte stops it, so a client that sends a header
line now and then holds a connection (and a file descriptor) forever: slowloris.
`GuardedH11Protocol` adds that deadline, and when the server is full it closes the
oldest connection still waiting for headers to make room for a new one.

h11 rather than httptools: uvicorn caps h11's buffer for an unfinished request line and
headers (`h11_max_incomplete_event_size`), while httptools took 2 MB of headers here
without complaint; the parsing speed httptools buys is noise beside an embedding.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from ..settings import Settings

log = logging.getLogger("assist")
# Descriptors kept for everything but client connections: the index, the database,
# the model's files, logging (an idle server holds about 20).
SPARE_FDS = 64


class ServeConfig(uvicorn.Config):
    """uvicorn's Config plus what `GuardedH11Protocol` reads (picklable, for workers)."""

    def __init__(self, app: Any, *, header_timeout: float, max_connections: int, **options: Any):
        super().__init__(app, **options)
        self.header_timeout = header_timeout
        self.max_connections = max_connections


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers and room made
    for new connections at the expense of the slowest."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout: float | None = getattr(config, "header_timeout", None)
        self.max_connections: int | None = getattr(config, "max_connections", None)
        self.waiting_since: float | None = None  # set while no request is under way
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_headers(self.header_timeout)
        self._make_room()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.waiting_since is not None and self.conn.their_state is not h11.IDLE:
            self._stop_waiting()  # the request line and headers are in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        # Idle for up to timeout_keep_alive, then the next headers get their time.
        extra = self.header_timeout
        self._await_headers(None if extra is None else self.timeout_keep_alive + extra)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_headers(self, seconds: float | None) -> None:
        self._stop_waiting()
        self.waiting_since = time.monotonic()
        if seconds is not None:
            self._deadline = self.loop.call_later(seconds, self._headers_too_slow)

    def _stop_waiting(self) -> None:
        self.waiting_since = None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self.waiting_since is not None and not self.transport.is_closing():
            log.debug("closed a connection from %s: no request headers in time", self.client)
            self.transport.close()

    def _make_room(self) -> None:
        """Over max_connections, close the oldest connection still waiting for headers
        (a slow client, or one idle between requests), never one mid-request."""
        if self.max_connections is None or len(self.connections) <= self.max_connections:
            return
        open_ = [c for c in self.connections if not _closing(c)]
        waiting = [
            c
            for c in open_
            if isinstance(c, GuardedH11Protocol) and c is not self and c.waiting_since is not None
        ]
        waiting.sort(key=lambda c: c.waiting_since or 0.0)
        for victim in waiting[: len(open_) - self.max_connections]:
            victim.transport.close()
            # Uncounted now, not when the loop gets to its connection_lost: the new
            # connection's request must not find the server still full (503).
            self.connections.discard(victim)


def _closing(connection: Any) -> bool:
    transport = getattr(connection, "transport", None)
    return transport is None or transport.is_closing()


def serve_config(settings: Settings, app: Any, **options: Any) -> ServeConfig:
    """uvicorn's configuration for `settings`: address, h11 with the header deadline,
    keep-alive, header size and connection limits. `options` go to uvicorn as they are."""
    max_connections = connection_budget(settings.max_connections)
    return ServeConfig(
        app,
        host=settings.host,
        port=settings.port,
        http=GuardedH11Protocol,
        header_timeout=settings.header_timeout_seconds,
        max_connections=max_connections,
        timeout_keep_alive=settings.keep_alive_seconds,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # Connections are kept to max_connections by closing slow ones; a request that
        # finds more open (all of them busy) gets uvicorn's 503.
        limit_concurrency=max_connections + 1,
        **options,
    )


def connection_budget(wanted: int) -> int:
    """`wanted`, lowered to fit the process's file-descriptor limit: a server out of
    descriptors can't accept anyone (uvloop then closes each new connection at once),
    while one at max_connections still makes room by closing a slow connection."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or wanted <= soft - SPARE_FDS:
        return wanted
    fitted = max(1, soft - SPARE_FDS)
    log.warning(
        "max_connections %d lowered to %d: the file-descriptor limit (ulimit -n) is %d",
        wanted,
        fitted,
        soft,
    )
    return fitted


def run(config: ServeConfig) -> None:
    """`uvicorn.run` for a ready config (which it can't take): one server, or workers."""
    server = uvicorn.Server(config)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if config.workers == 1 and not server.started:
        sys.exit(3)  # uvicorn's own exit code for a server that did not start
