"""The serving state of one process: the embedder, the Suggester and hot index reloads.

A reload loads and verifies the new version off to the side, then swaps the Suggester's
index reference; a request in flight keeps the index it started with. A broken or
mismatched version is refused and the old one keeps serving.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from ..core.confidence import train_classifiers
from ..core.embed import Embedder, load_embedder
from ..core.index import Index, current_version, load_index
from ..core.suggest import Suggester
from ..errors import AssistError, IndexMismatch, IndexNotReady
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
            # Unauthenticated /readyz shows the reason: the details (paths) stay in the log.
            self.not_ready_reason = str(IndexNotReady())
            log.warning("not ready: %s", exc)

    def reload(self) -> Reload:
        """Swap to the version `index/current` points at; raises (and keeps serving the
        old one) if it is missing, corrupt or built with another embedder."""
        with self._lock:
            index = self._load()
            previous = self.version
            if self.suggester is None:
                self.suggester = Suggester(index, self.embedder, self.settings)
            elif index.version != previous:
                self.suggester.index = index
            if index.version != previous:
                log.info("serving index %s (was %s)", index.version, previous)
            self.not_ready_reason = ""
            return Reload(previous, index.version, index.version != previous)

    def _load(self) -> Index:
        """Every failure to load a version is a refusal (409), never a 500 or a dead
        watcher; what was not foreseen goes to the log with its traceback."""
        try:
            index = load_index(self.settings.index_dir, self.embedder)
            train_classifiers(index)  # before the swap: no request waits for it
            return index
        except AssistError:
            raise
        except Exception as exc:
            version = self.published_version() or "?"
            log.exception("loading index %s failed unexpectedly", version)
            raise IndexMismatch(
                f"index {version} could not be loaded ({exc.__class__.__name__}; "
                "the server log has the details); run `assist reindex`"
            ) from exc

    def published_version(self) -> str | None:
        return current_version(self.settings.index_dir)

    def require(self) -> Suggester:
        if self.suggester is None:
            raise IndexNotReady()  # the path stays out of the answer
        return self.suggester
