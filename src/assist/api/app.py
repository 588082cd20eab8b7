"""The HTTP edge: `create_app(settings)`, auth, limits, metrics, hot reload.

Every domain error is translated here, once, into a JSON `{"detail": ...}` with a 4xx
status; nothing below this module knows about HTTP.
"""

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from .. import __version__
from ..core.embed import Embedder
from ..core.snippets import SharedReply, Viewer
from ..core.suggest import Query, Turn
from ..errors import AssistError
from ..settings import Settings
from ..store.feedback import MAX_IDEMPOTENCY_KEY, Recorded, Store, StoreUnavailable
from . import access_log, check, docs, followups, snippets, stats, web
from .answers import AnswerWriter, answer_grace, template_text
from .auth import KeyRing, RateLimiter
from .deps import ERRORS, AdminDep, AgentDep, ServiceDep, SuggesterDep, bounded, poll_store
from .followup_delivery import run_followups
from .limits import BodyLimitMiddleware
from .loopback import LoopbackOnlyMiddleware
from .metrics import Metrics, MetricsMiddleware
from .priors import follow_priors
from .schemas import (
    FeedbackRequest,
    FeedbackResponse,
    Problem,
    ReloadResponse,
    SuggestRequest,
    SuggestResponse,
    clean_text,
    state_limits,
)
from .state import Service

log = logging.getLogger("assist")
router = APIRouter()


@router.post("/v1/suggest", response_model=SuggestResponse, responses=ERRORS, tags=["v1"])
async def suggest(
    body: SuggestRequest, principal: AgentDep, suggester: SuggesterDep, request: Request
) -> Response:
    """Suggestions for one customer message: replies with slots, guidance, signals."""
    settings: Settings = request.app.state.settings
    if len(body.message) > settings.max_message_chars:
        raise HTTPException(
            413,
            f"message is {len(body.message)} characters; the limit "
            f"is {settings.max_message_chars} (max_message_chars)",
        )
    if len(body.history) > settings.max_history_turns:
        raise HTTPException(
            422,
            f"history has {len(body.history)} turns; the limit is "
            f"{settings.max_history_turns} (max_history_turns): send "
            "the most recent ones",
        )
    query = Query(
        message=body.message,
        conversation_id=body.conversation_id,
        history=[Turn(t.role, t.text, t.suggestion_id) for t in body.history],
        customer={k: v for k, v in body.customer.items() if v is not None},
        lang=body.lang,
        k=body.k,
        viewer=Viewer(principal.name, principal.team),
    )
    started = time.perf_counter()
    result = await anyio.to_thread.run_sync(
        suggester.suggest, query, limiter=request.app.state.capacity
    )
    data = result.to_dict()
    data["answer_id"] = request.app.state.answers.record(
        result,
        key_name=principal.name,
        team=principal.team,
        conversation_id=body.conversation_id,
        message=body.message,
    )
    data["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    request.app.state.metrics.count_suggest(len(result.suggestions), result.no_match)
    return Response(json.dumps(data, ensure_ascii=False).encode(), media_type="application/json")


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_IDEMPOTENCY_KEY,
        pattern=r"^[!-~]+$",
        description="Optional; one per event (a UUID), the same on its retries: a retry "
        "stores nothing and answers 200 with the first request's id",
    ),
]


@router.post(
    "/v1/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses={
        **ERRORS,
        200: {"model": FeedbackResponse, "description": "A retry: the Idempotency-Key's event"},
        409: {"model": Problem, "description": "Idempotency-Key already used for another event"},
        503: {"model": Problem, "description": "Feedback store unreachable"},
    },
    tags=["v1"],
)
async def feedback(
    body: FeedbackRequest,
    principal: AgentDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FeedbackResponse:
    """Record what the agent did with a suggestion: an append-only event log. `shown`
    names the answer the suggestion came in; every other action needs its `shown`
    first (422 "never shown" otherwise)."""
    store: Store = request.app.state.store
    answers: AnswerWriter = request.app.state.answers
    service: Service = request.app.state.service

    def shown_text(answer_id: str, suggestion_id: str) -> str | None:
        return answers.shown_text(answer_id, suggestion_id) or template_text(service, suggestion_id)

    def record() -> Recorded:
        answers.ensure_written(body.answer_id)  # still queued: written before it is looked up
        return store.record_feedback(
            key_name=principal.name,
            team=principal.team,
            conversation_id=body.conversation_id,
            suggestion_id=body.suggestion_id,
            action=body.action,
            final_text=body.final_text,
            idempotency_key=idempotency_key,
            answer_id=body.answer_id,
            shown_text=shown_text,
            answer_grace=answer_grace(request.app.state.settings),
        )

    try:
        recorded = await bounded(store, record)
    except StoreUnavailable as exc:  # its message names the database: for the log only
        log.error("feedback not recorded: %s", exc)
        raise HTTPException(503, "feedback store unavailable; try again later") from exc
    if recorded.replayed:
        response.status_code = 200
    return FeedbackResponse(id=recorded.id, action=recorded.action)


@router.post("/v1/admin/reload", response_model=ReloadResponse, responses=ERRORS, tags=["admin"])
async def reload(service: ServiceDep, principal: AdminDep, request: Request) -> ReloadResponse:
    """Swap to the newest published index; a broken one is refused (409) and the current
    one keeps serving."""
    metrics: Metrics = request.app.state.metrics
    try:
        done = await anyio.to_thread.run_sync(service.reload)
    except AssistError as exc:
        metrics.reloads.labels("refused").inc()
        log.error(
            "reload by %s refused, still serving %s: %s", principal.name, service.version, exc
        )
        raise
    metrics.reloads.labels("ok").inc()
    metrics.set_index(done.current)
    return ReloadResponse(previous=done.previous, current=done.current, changed=done.changed)


@router.get("/v1/me", responses=ERRORS, tags=["v1"])
async def me(principal: AgentDep) -> dict[str, str]:
    """Who this key is: its name, role and team (pages show what the role may do)."""
    return {"name": principal.name, "role": principal.role, "team": principal.team}


# Load balancers probe with HEAD too.
@router.head("/healthz", include_in_schema=False)  # after GET: 405s then say `Allow: GET`
@router.get("/healthz", tags=["ops"])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.head("/readyz", include_in_schema=False)
@router.get("/readyz", tags=["ops"], responses={503: {"model": Problem}})
async def readyz(service: ServiceDep) -> JSONResponse:
    """An index is loaded; reports its version."""
    if service.version is None:
        return JSONResponse({"detail": service.not_ready_reason}, status_code=503)
    return JSONResponse({"status": "ready", "index_version": service.version})


@router.get("/metrics", tags=["ops"], response_class=Response)
async def prometheus(request: Request) -> Response:
    """Prometheus metrics: latency per route, suggestions, no-match rate, index version."""
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)


def create_app(settings: Settings, *, embedder: Embedder | None = None) -> FastAPI:
    """The service; the model and the index load in the lifespan, once per process."""
    # No keys and auth on: refuse to start, unless a shared database may hold them.
    keys = KeyRing.from_settings(settings, stored=settings.database_url is not None)
    store = Store.from_settings(settings)  # a bad URL refuses to start; no connection yet
    access_log.install()  # keys in query strings never reach uvicorn's access log
    metrics = Metrics()
    answers = AnswerWriter(store, settings, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth_disabled:
            log.warning(
                "AUTH IS DISABLED (ASSIST_AUTH_DISABLED=true): every caller is admin; "
                "for a local demo only: a request is answered only when it comes from "
                "loopback to a loopback address, anything else gets 403"
            )
        service = Service(settings, embedder)
        await anyio.to_thread.run_sync(service.start)
        await anyio.to_thread.run_sync(_warm_up, service)
        # In the background: a database that does not answer must not keep the port shut.
        opener = asyncio.create_task(_open_store(store, settings.database_retry_seconds))
        metrics.set_index(service.version)
        app.state.service = service
        app.state.capacity = anyio.CapacityLimiter(settings.suggest_threads)
        answers.start()
        tasks = []
        if settings.reload_poll_seconds > 0:
            tasks.append(
                asyncio.create_task(_watch(service, metrics, settings.reload_poll_seconds))
            )
        if settings.store_poll_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _follow_store(service, store, keys, settings.store_poll_seconds)
                )
            )
        if settings.priors_refresh_seconds > 0 and settings.prior_max > 0:
            tasks.append(asyncio.create_task(follow_priors(service, store, settings)))
        if settings.followup_poll_seconds > 0:  # gauges; delivery if a webhook is set
            tasks.append(asyncio.create_task(run_followups(store, settings, metrics)))
        try:
            yield
        finally:
            opener.cancel()
            for task in tasks:
                task.cancel()
            # What is still queued is written before the database closes (bounded).
            await anyio.to_thread.run_sync(answers.close, store.request_bound)
            store.close()

    app = FastAPI(
        title="assist",
        version=__version__,
        lifespan=lifespan,
        summary="Reply suggestions for support agents, in Persian and English",
        # A slash redirect built its Location from the Host header (an open redirect).
        redirect_slashes=False,
        docs_url=None,  # FastAPI's pages load scripts from a CDN; see docs.py
        redoc_url=None,
    )

    def openapi() -> dict[str, Any]:
        return app.openapi_schema or state_limits(FastAPI.openapi(app), settings)

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.keys = keys
    app.state.rate = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.state.auth_failures = RateLimiter(
        settings.auth_failure_rate_per_second, settings.auth_failure_burst
    )
    app.state.metrics = metrics
    app.state.store = store
    app.state.answers = answers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        max_age=600,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        read_seconds=settings.body_timeout_seconds,
        keys=None if settings.auth_disabled else keys,
    )
    if settings.auth_disabled:  # outermost: checked whoever started the app, and how
        app.add_middleware(LoopbackOnlyMiddleware)
    _add_error_handlers(app)
    app.include_router(router)
    app.include_router(snippets.router)
    app.include_router(followups.router)
    app.include_router(check.router)
    app.include_router(stats.router)
    app.include_router(web.router)
    if settings.docs:
        app.include_router(docs.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory assist.api:app_from_env` (several workers). Bare
    uvicorn lacks the connection limits `assist serve` sets (api/serving.py): put it
    behind a proxy that has them."""
    return create_app(Settings())


def _warm_up(service: Service) -> None:
    """One suggestion per language before serving: a model's first calls take seconds,
    and the first customer message a sidebar shows should not pay for them."""
    if service.suggester is None:
        return
    for text in ("Hello, where is my order?", "سلام، سفارشم کجاست؟"):
        try:
            service.suggester.suggest(Query(message=text, conversation_id="warm-up"))
        except AssistError as exc:
            log.warning("warm-up suggestion failed: %s", exc)
            return


async def _open_store(store: Store, period: float) -> None:
    """Create the tables; while the database is unreachable (feedback answers 503 at
    once meanwhile), try again every `period` seconds. Logs the first failure only."""
    failures = 0
    while not await anyio.to_thread.run_sync(
        functools.partial(store.start, report=failures == 0), abandon_on_cancel=True
    ):
        failures += 1
        await asyncio.sleep(period)
    if failures:
        log.warning("feedback store ready after %d failed attempts", failures)


async def _follow_store(service: Service, store: Store, keys: KeyRing, period: float) -> None:
    """Every `period` seconds: snippet changes past the served change number join the
    index, and the database's keys replace the ones read before. The store being down
    keeps what was loaded; requests never wait for this."""

    async def step() -> None:
        after = service.snippet_change
        changed = await bounded(store, functools.partial(store.snippets.changes_since, after))
        if changed:
            shared = [SharedReply.from_mapping(s.to_dict()) for s in changed]
            await anyio.to_thread.run_sync(service.apply_snippets, shared)
        keys.set_stored(await bounded(store, store.keys.all_active))

    await poll_store(
        store,
        period,
        step,
        "store poll failed, serving the snippets and keys loaded",
        "store poll recovered",
    )


async def _watch(service: Service, metrics: Metrics, period: float) -> None:
    """Reload when `index/current` moves (a batch job published a new version).

    Only cancellation ends it: a version it cannot load is refused and not retried, an
    unforeseen error is logged with its traceback, and the next version is tried."""
    refused: str | None = None
    while True:
        await asyncio.sleep(period)
        published: str | None = None
        try:
            published = service.published_version()
            if not published or published in (service.version, refused):
                continue
            done = await anyio.to_thread.run_sync(service.reload)
            metrics.reloads.labels("ok").inc()
            metrics.set_index(done.current)
        except AssistError as exc:
            refused = published
            metrics.reloads.labels("refused").inc()
            log.error("refused index %s, still serving %s: %s", published, service.version, exc)
        except Exception:
            refused = published
            metrics.reloads.labels("error").inc()
            log.exception(
                "index watcher: reloading %s failed; still serving %s", published, service.version
            )


_SHOWN_ERRORS, _LOC_PARTS = 20, 10


def _short(value: object, most: int) -> str:
    text = clean_text(str(value))
    return text if len(text) <= most else text[: most - 1] + "…"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistError)
    async def domain_error(request: Request, exc: AssistError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The caller's input is not echoed back: it may be huge or not encodable. A few
        # short errors are enough to fix a body; thousands cost time and megabytes.
        found = exc.errors()
        errors = [
            {
                "loc": [_short(p, 100) for p in list(e.get("loc", ()))[:_LOC_PARTS]],
                "msg": _short(e.get("msg", ""), 300),
                "type": _short(e.get("type", ""), 100),
            }
            for e in found[:_SHOWN_ERRORS]
        ]
        if len(found) > _SHOWN_ERRORS:
            more = f"{len(found) - _SHOWN_ERRORS} more errors not shown"
            errors.append({"loc": [], "msg": more, "type": "too_many_errors"})
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error; the server log has the details"}, status_code=500
        )
