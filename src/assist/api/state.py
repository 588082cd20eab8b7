"""The serving state of one process: the embedder, the Suggester and hot index reloads.

A reload loads and verifies the new version off to the side, then swaps the Suggester's
index reference; a request in flight keeps the index it started with. A broken or
mismatched version is refused and the old one keeps serving.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from ..core.embed import Embedder, load_embedder
from ..core.index import current_version, load_index
from ..core.suggest import Suggester
from ..errors import AssistError, IndexNotReady
from ..settings import Settings

log = logging.getLogger("assist")


@dataclass(frozen=True)
class Reload:
    previous: str | None
    current: str
    changed: bool


class Service:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or load_embedder(settings)
        self.suggester: Suggester | None = None
        self.not_ready_reason = "starting"
        self._lock = threading.Lock()  # one reload at a time

    @property
    def version(self) -> str | None:
        return self.suggester.index.version if self.suggester else None

    def start(self) -> None:
        """Load the current index if there is one; a service without one still starts
        (health, readiness and reload work) so an index can be published later."""
        try:
            self.reload()
        except AssistError as exc:
            self.not_ready_reason = str(exc)
            log.warning("not ready: %s", exc)

    def reload(self) -> Reload:
        """Swap to the version `index/current` points at; raises (and keeps serving the
        old one) if it is missing, corrupt or built with another embedder."""
        with self._lock:
            index = load_index(self.settings.index_dir, self.embedder)
            previous = self.version
            if self.suggester is None:
                self.suggester = Suggester(index, self.embedder, self.settings)
            elif index.version != previous:
                self.suggester.index = index
            if index.version != previous:
                log.info("serving index %s (was %s)", index.version, previous)
            self.not_ready_reason = ""
            return Reload(previous, index.version, index.version != previous)

    def published_version(self) -> str | None:
        return current_version(self.settings.index_dir)

    def require(self) -> Suggester:
        if self.suggester is None:
            raise IndexNotReady(str(self.settings.index_dir))
        return self.suggester
