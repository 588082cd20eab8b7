"""The serving state of one process: the embedder, the Suggester, hot index reloads and
the live snippets.

A reload loads and verifies the new version off to the side, then swaps the Suggester's
index reference; a request in flight keeps the index it started with. A broken or
mismatched version is refused and the old one keeps serving. Snippets approved (or
retired, or edited) since the version was built arrive as plain data from the store's
poll (`apply_snippets`) and are joined to it the same way: build off to the side, swap.
Ranking priors learnt from feedback arrive the same way (`set_priors`), as a plain dict.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.confidence import train_classifiers
from ..core.embed import Embedder, load_embedder
from ..core.index import Index, current_version, load_index
from ..core.library import combine
from ..core.snippets import LiveSnippets, SharedReply
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
        self.base: Index | None = None  # the published version, without live snippets
        self.live = LiveSnippets()
        self.priors: Mapping[str, float] = {}  # kept for a Suggester made later
        self.not_ready_reason = "starting"
        self._lock = threading.Lock()  # one swap at a time (reload or snippets)

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
                self.base, self.live = index, self.live.since(index.snippet_change)
                self.suggester = Suggester(
                    combine(index, self.live), self.embedder, self.settings, self.priors
                )
            elif index.version != previous:
                self.base, self.live = index, self.live.since(index.snippet_change)
                self.suggester.index = combine(index, self.live)
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

    @property
    def snippet_change(self) -> int:
        """The newest snippet change this process serves: poll the store after it."""
        base = self.base.snippet_change if self.base else 0
        return max(base, self.live.change)

    def apply_snippets(self, changed: list[SharedReply]) -> int:
        """Join snippets changed in the store to the served index (their triggers are
        embedded here, off the request path); returns how many were applied."""
        with self._lock:
            base = self.base
            fresh = [s for s in changed if s.change > self.snippet_change]
            if base is None or not fresh:
                return 0
            self.live = self.live.apply(fresh, self.embedder, base.entries)
            assert self.suggester is not None
            self.suggester.index = combine(base, self.live)
            log.info(
                "snippets: %d change(s) applied, now at change %d", len(fresh), self.live.change
            )
            return len(fresh)

    def set_priors(self, deltas: Mapping[str, float]) -> None:
        """Serve these feedback priors ("entry/reply" -> score delta) from now on."""
        with self._lock:
            self.priors = dict(deltas)
            if self.suggester is not None:
                self.suggester.priors = self.priors

    def published_version(self) -> str | None:
        return current_version(self.settings.index_dir)

    def require(self) -> Suggester:
        if self.suggester is None:
            raise IndexNotReady()  # the path stays out of the answer
        return self.suggester
