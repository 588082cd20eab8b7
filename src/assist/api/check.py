"""`POST /v1/check`: coaching on the agent's draft before it is sent.

It informs and never blocks: the answer is findings, never a refusal of the draft. The
check runs in the same worker threads as suggestions (the capacity limiter). The
customer's message is embedded once per process and remembered, so the sidebar's
debounced re-checks while the agent types cost no model call. The result's codes (never
the draft) are logged to the store after the answer is sent; a store that is down costs
the check nothing.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from typing import Any

import anyio
import numpy as np
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request

from ..coach import CODES, CheckResult, check
from ..core.embed import Embedder, Role
from ..core.recent import RecentVectors
from ..core.snippets import Viewer
from ..core.suggest import Suggester, Turn
from ..settings import Settings
from .auth import Principal
from .check_schemas import CheckRequest, CheckResponse
from .deps import ERRORS, AgentDep, SuggesterDep, bounded

log = logging.getLogger("assist")
router = APIRouter(tags=["v1"])
_CODES_DOC = "\n".join(f"- `{code}`: {meaning}" for code, meaning in CODES.items())


@router.post(
    "/v1/check",
    response_model=CheckResponse,
    responses=ERRORS,
    summary="Check a draft",
    description="Findings on the agent's draft, each with its span, message and hint in "
    "the draft's language; how much of it is template text; a follow-up proposed when it "
    f"promises one. It informs, never blocks. Codes:\n\n{_CODES_DOC}",
)
async def check_draft(
    body: CheckRequest,
    principal: AgentDep,
    suggester: SuggesterDep,
    request: Request,
    background: BackgroundTasks,
) -> CheckResponse:
    settings: Settings = request.app.state.settings
    if body.message and len(body.message) > settings.max_message_chars:
        raise HTTPException(
            413,
            f"message is {len(body.message)} characters; the limit "
            f"is {settings.max_message_chars} (max_message_chars)",
        )
    if len(body.history) > settings.max_history_turns:
        raise HTTPException(
            422,
            f"history has {len(body.history)} turns; the limit is "
            f"{settings.max_history_turns} (max_history_turns): send the most recent ones",
        )
    memory = _memory(request)
    started = time.perf_counter()
    result = await anyio.to_thread.run_sync(
        functools.partial(_run, suggester, body, memory, settings.max_query_tokens),
        limiter=request.app.state.capacity,
    )
    data = result.to_dict()
    data["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    # The nearest template may be a snippet this key may not see: don't name it.
    viewer, scopes = Viewer(principal.name, principal.team), suggester.index.scopes
    for field in ("entry_id", "wording_id"):
        scope = scopes.get((data.get(field) or "").split("/")[0])
        if scope is not None and not scope.visible_to(viewer):
            data[field] = None
    store = request.app.state.store
    if getattr(store, "checks", None) is not None and getattr(store, "ready", False):
        background.add_task(_log_check, store, principal, body, result)
    return CheckResponse(**data)


def _memory(request: Request) -> RecentVectors:
    """The message vectors this process has read for checks (one per app)."""
    state = request.app.state
    memory = getattr(state, "check_vectors", None)
    if memory is None:
        memory = state.check_vectors = RecentVectors(1024)
    return memory


class _Remembered:
    """The served embedder, remembering query vectors: the sidebar re-checks the draft
    as the agent types, always against the same customer message."""

    def __init__(self, embedder: Embedder, memory: RecentVectors):
        self._embedder = embedder
        self._memory = memory
        self.name, self.model_id = embedder.name, embedder.model_id
        self.dim, self.max_tokens = embedder.dim, embedder.max_tokens

    @property
    def fingerprint(self) -> str:
        return self._embedder.fingerprint

    def token_count(self, text: str) -> int:
        return self._embedder.token_count(text)

    def embed(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if role != "query" or len(texts) != 1:
            return self._embedder.embed(texts, role)
        vector = self._memory.get(texts[0])
        if vector is None:
            vector = self._embedder.embed(texts, role)[0]
            self._memory.put(texts[0], vector)
        return np.asarray(vector)[None, :]


def _run(
    suggester: Suggester, body: CheckRequest, memory: RecentVectors, max_tokens: int
) -> CheckResult:
    index, embedder = suggester.index, suggester.embedder  # one index for the whole check
    return check(
        body.draft,
        index=index,
        embedder=_Remembered(embedder, memory),
        message=body.message,
        suggestion_id=body.suggestion_id,
        customer={k: v for k, v in body.customer.items() if v is not None},
        history=[Turn(t.role, t.text, t.suggestion_id) for t in body.history],
        lang=body.lang,
        mood=body.mood,
        max_query_tokens=max_tokens,
    )


async def _log_check(
    store: Any, principal: Principal, body: CheckRequest, result: CheckResult
) -> None:
    """Codes, recital and ids only; a failure is logged, never raised (the answer has
    already gone)."""
    try:
        await bounded(
            store,
            lambda: store.checks.record(
                principal.name,
                principal.team,
                body.conversation_id,
                result.entry_id,
                body.suggestion_id,
                result.lang,
                result.codes,
                result.recital,
                sent=False,
            ),
        )
    except Exception as exc:  # the store down or a row refused: the check stands
        log.warning("check not logged: %s", exc)
