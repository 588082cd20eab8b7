"""Statistics for leads: `GET /v1/stats` (what was served and used, recital and promises,
contributors, follow-ups) and `GET /v1/stats/gaps` (the messages nothing matched,
clustered, each cluster with a playbook entry to start from).

A lead sees their own team; an admin any team (the key's own by default). Counting
happens in the database (store/stats.py). Clustering embeds up to `limit` kept messages
with the served model in a worker thread, one clustering at a time per process, and
remembers the last few results and the kept messages' vectors: the page asks for both
routes with the same period, and a kept message is embedded once per process, so a new
unmatched message costs one embedding, not the whole set again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, HTTPException, Query, Request

from ..core.cache import MemoEmbedder
from ..core.embed import Embedder
from ..core.gaps import MAX_MESSAGES, Gaps, Message, find_gaps, threshold_for
from ..core.suggest import Suggester
from ..store.feedback import Store, StoreUnavailable
from ..store.stats import Period, Stats
from .auth import Principal
from .deps import ERRORS, LeadDep, ServiceDep, StoreDep, SuggesterDep, bounded
from .stats_schemas import GapsOut, StatsOut

log = logging.getLogger("assist")
router = APIRouter(tags=["stats"])
T = TypeVar("T")

DEFAULT_GAP_MESSAGES = 300
REMEMBERED = 8  # clustering results kept per process
VECTORS_KEPT = 2 * MAX_MESSAGES  # kept messages' vectors remembered per process

FromDay = Annotated[
    str | None,
    Query(alias="from", max_length=20, description="first day, YYYY-MM-DD (UTC); 30 days back"),
]
ToDay = Annotated[
    str | None, Query(max_length=20, description="last day, included; default today (UTC)")
]
Team = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="an admin may name any team"),
]


def _team(principal: Principal, team: str | None) -> str:
    if team is None or team == principal.team:
        return principal.team
    if principal.role != "admin":
        raise HTTPException(403, f"a lead sees their own team's statistics ({principal.team})")
    return team


async def _read(store: Store, call: Callable[[], T]) -> T:
    try:
        return await bounded(store, call)
    except StoreUnavailable as exc:  # its message names the database: for the log only
        log.error("statistics not read: %s", exc)
        raise HTTPException(503, "statistics store unavailable; try again later") from exc


class _Remembered:
    """The last few clusterings, the vectors of the kept messages they embedded, and the
    lock that lets one run at a time."""

    def __init__(self) -> None:
        self.lock = anyio.Lock()
        self.found: OrderedDict[tuple[Any, ...], Gaps] = OrderedDict()
        self.vectors: MemoEmbedder | None = None

    def embedder(self, served: Embedder) -> MemoEmbedder:
        """The served model behind a memory of the vectors it gave: one new unmatched
        message changes the set to cluster, and only it is embedded again."""
        if self.vectors is None or self.vectors.fingerprint != served.fingerprint:
            self.vectors = MemoEmbedder(served, max_items=VECTORS_KEPT)
        return self.vectors


def _remembered(request: Request) -> _Remembered:
    state = request.app.state
    if getattr(state, "gap_memory", None) is None:
        state.gap_memory = _Remembered()
    memory: _Remembered = state.gap_memory
    return memory


async def _cluster(
    request: Request,
    store: Store,
    suggester: Suggester,
    period: Period,
    team: str,
    limit: int,
    threshold: float | None,
) -> Gaps:
    kept = await _read(store, lambda: Stats(store).kept(period, team, limit=limit))
    embedder = suggester.embedder
    limit_used = threshold_for(embedder) if threshold is None else threshold
    ids = hashlib.sha256(",".join(str(k.id) for k in kept).encode()).hexdigest()
    key = (embedder.fingerprint, limit_used, ids)
    memory = _remembered(request)
    async with memory.lock:  # a second caller waits, then finds the first one's result
        found = memory.found.get(key)
        if found is None:
            messages = [Message(k.text, k.lang, k.best_entry_id, k.best_score) for k in kept]
            found = await anyio.to_thread.run_sync(
                functools.partial(find_gaps, messages, memory.embedder(embedder), limit_used)
            )
            memory.found[key] = found
            while len(memory.found) > REMEMBERED:
                memory.found.popitem(last=False)
        memory.found.move_to_end(key)
    return found


def _describe(replies: list[dict[str, Any]], suggester: Suggester | None) -> None:
    """Titles, and the author of a playbook reply that began as a snippet, from the
    served index (the database knows neither)."""
    entries = suggester.index.entries if suggester is not None else {}
    for reply in replies:
        entry = entries.get(reply["entry_id"])
        if entry is None:
            continue
        reply["title"] = {k: v for k, v in entry.title.model_dump().items() if v}
        if reply["author"] is None:
            reply["author"] = next(
                (r.author for r in entry.replies if r.id == reply["reply_id"]), None
            )


@router.get(
    "/v1/stats",
    response_model=StatsOut,
    responses=ERRORS,
    summary="Statistics for a team",
    description="Answers served (match, weak, no match; per language and mood), what agents "
    "did with each reply (shown, inserted, sent, rewritten, dismissed; acceptance), "
    "recital and over-promise rates from the coach's checks, snippet authors' usage, "
    "follow-ups on time and overdue, and how many unmatched messages were kept. Needs a "
    "lead key; whole UTC days, both ends included, at most 366.",
)
async def stats(
    principal: LeadDep,
    request: Request,
    store: StoreDep,
    service: ServiceDep,
    from_: FromDay = None,
    to: ToDay = None,
    team: Team = None,
) -> dict[str, Any]:
    period = Period.parse(from_, to)  # InvalidStats: 422
    team = _team(principal, team)
    report = await _read(store, lambda: Stats(store).summary(period, team))
    suggester = service.suggester
    _describe(report["replies"], suggester)
    gaps = report["gaps"]
    if not gaps["kept"]:
        gaps["clusters"] = 0
    elif suggester is not None:
        found = await _cluster(request, store, suggester, period, team, DEFAULT_GAP_MESSAGES, None)
        gaps["clusters"] = len(found.clusters)
    return report


@router.get(
    "/v1/stats/gaps",
    response_model=GapsOut,
    responses=ERRORS,
    summary="Messages nothing matched, clustered",
    description="The newest `limit` messages kept (ASSIST_KEEP_UNMATCHED=true) that found no "
    "confident suggestion, clustered by meaning per language; each cluster with examples "
    "(personal data masked), the entry they came closest to, and a playbook entry skeleton "
    "that `assist validate` accepts. Needs a lead key.",
)
async def gaps(
    principal: LeadDep,
    request: Request,
    store: StoreDep,
    suggester: SuggesterDep,
    from_: FromDay = None,
    to: ToDay = None,
    team: Team = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES)] = DEFAULT_GAP_MESSAGES,
    threshold: Annotated[
        float | None, Query(ge=0.0, le=1.0, description="cosine; default per model")
    ] = None,
) -> dict[str, Any]:
    period = Period.parse(from_, to)
    team = _team(principal, team)
    kept = await _read(store, lambda: Stats(store).kept_count(period, team))
    found = await _cluster(request, store, suggester, period, team, limit, threshold)
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "team": team,
        "kept": kept,
        **found.to_dict(),
    }
