"""Each process's ranking priors, refreshed from the feedback log every
`priors_refresh_seconds`: the store counts (GROUP BY, store/priors_counts.py), learn/
turns the counts into score deltas, the Suggester gets them as a plain dict. Only when
the log grew (its newest id moved), or the decay has moved on; and a recount that took
long waits nine times as long before the next, so it never takes more than a tenth of a
core however long the log (200,000 events: about 1 s on this machine). Requests never
wait for this; a store outage keeps the last priors."""

from __future__ import annotations

import functools
import logging
import time

import anyio

from ..learn.priors import Priors, learn_priors
from ..settings import Settings
from ..store.feedback import Store
from ..store.priors_counts import feedback_watermark, prior_counts
from .deps import bounded, poll_store
from .state import Service

log = logging.getLogger("assist")
# Events older than this many half-lives weigh under 0.4 %: not read.
HORIZON_HALF_LIVES = 8
# Without new events the priors still age: recounted this often (seconds) regardless.
RECOUNT_SECONDS = 600.0
BUSY_SHARE = 0.1  # of the time between two recounts, at most this much is recounting


async def refresh_priors(service: Service, store: Store, settings: Settings) -> Priors:
    """Count, learn and hand over once; raises what the store raises."""
    horizon = HORIZON_HALF_LIVES * settings.prior_half_life_days
    rows = await bounded(store, functools.partial(prior_counts, store, horizon_days=horizon))
    priors = await anyio.to_thread.run_sync(learn_priors, rows, settings)
    await anyio.to_thread.run_sync(service.set_priors, priors.deltas)
    return priors


async def follow_priors(service: Service, store: Store, settings: Settings) -> None:
    """Refresh every `priors_refresh_seconds` while the store is up; log an outage once."""
    mark, counted, took = -1, 0.0, 0.0

    async def step() -> None:
        nonlocal mark, counted, took
        now_mark = await bounded(store, functools.partial(feedback_watermark, store))
        since = time.monotonic() - counted
        due = now_mark != mark or since >= RECOUNT_SECONDS
        if due and since >= took * (1 / BUSY_SHARE - 1):
            started = time.monotonic()
            priors = await refresh_priors(service, store, settings)
            mark, counted = now_mark, time.monotonic()
            took = counted - started
            log.debug("priors: %d replies in %.2f s", priors.replies, took)

    await poll_store(
        store,
        settings.priors_refresh_seconds,
        step,
        "priors refresh failed, ranking with the last ones",
        "priors refresh recovered",
    )
