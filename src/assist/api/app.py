"""The HTTP edge: `create_app(settings)`, auth, limits, metrics, hot reload.

Every domain error is translated here, once, into a JSON `{"detail": ...}` with a 4xx
status; nothing below this module knows about HTTP.
"""

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import __version__
from ..core.embed import Embedder
from ..core.suggest import Query, Suggester, Turn
from ..errors import AssistError
from ..settings import Settings
from ..store.feedback import Store
from . import web
from .auth import ANONYMOUS, KeyRing, Principal, RateLimiter
from .limits import BodyLimitMiddleware
from .metrics import Metrics, MetricsMiddleware
from .schemas import (
    FeedbackRequest,
    FeedbackResponse,
    Problem,
    ReloadResponse,
    SuggestRequest,
    SuggestResponse,
    clean_text,
)
from .state import Service

log = logging.getLogger("assist")
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        401: "Missing or unknown API key",
        403: "The key's role may not use this route",
        413: "Body or message over its limit",
        422: "Malformed body",
        429: "Rate limit exceeded (see Retry-After)",
        503: "No index loaded yet",
    }.items()
}


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_suggester(service: ServiceDep) -> Suggester:
    return service.require()  # IndexNotReady -> 503


SuggesterDep = Annotated[Suggester, Depends(get_suggester)]


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    state = request.app.state
    settings: Settings = state.settings
    if settings.auth_disabled:
        principal = ANONYMOUS
        caller = request.client.host if request.client else "local"
    else:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                401,
                "missing API key: send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        found = state.keys.identify(credentials.credentials)
        if found is None:
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        principal, caller = found, found.name
    wait = state.rate.take(caller)
    if wait:
        state.metrics.rate_limited.inc()
        retry = max(1, math.ceil(wait))
        raise HTTPException(
            429,
            f"rate limit exceeded ({settings.rate_limit_per_second:g} "
            f"requests/s per key, burst {settings.rate_limit_burst}); "
            f"retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    return principal


AgentDep = Annotated[Principal, Depends(authenticate)]


def require_admin(principal: AgentDep) -> Principal:
    if not principal.may("admin"):
        raise HTTPException(
            403, f"this route needs an admin key; {principal.name!r} is an {principal.role} key"
        )
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
router = APIRouter()


@router.post("/v1/suggest", response_model=SuggestResponse, responses=_ERRORS, tags=["v1"])
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
    )
    started = time.perf_counter()
    result = await anyio.to_thread.run_sync(
        suggester.suggest, query, limiter=request.app.state.capacity
    )
    data = result.to_dict()
    data["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    request.app.state.metrics.count_suggest(len(result.suggestions), result.no_match)
    return Response(json.dumps(data, ensure_ascii=False).encode(), media_type="application/json")


@router.post(
    "/v1/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses={**_ERRORS, 503: {"model": Problem, "description": "Feedback store unreachable"}},
    tags=["v1"],
)
async def feedback(
    body: FeedbackRequest, principal: AgentDep, request: Request
) -> FeedbackResponse:
    """Record what the agent did with a suggestion: an append-only event log."""
    store: Store = request.app.state.store
    event_id = await anyio.to_thread.run_sync(
        lambda: store.add_feedback(
            key_name=principal.name,
            conversation_id=body.conversation_id,
            suggestion_id=body.suggestion_id,
            action=body.action,
            final_text=body.final_text,
        )
    )
    return FeedbackResponse(id=event_id)


@router.post("/v1/admin/reload", response_model=ReloadResponse, responses=_ERRORS, tags=["admin"])
async def reload(service: ServiceDep, principal: AdminDep, request: Request) -> ReloadResponse:
    """Swap to the newest published index; a broken one is refused (409) and the current
    one keeps serving."""
    metrics: Metrics = request.app.state.metrics
    try:
        done = await anyio.to_thread.run_sync(service.reload)
    except AssistError:
        metrics.reloads.labels("refused").inc()
        raise
    metrics.reloads.labels("ok").inc()
    metrics.set_index(done.current)
    return ReloadResponse(previous=done.previous, current=done.current, changed=done.changed)


@router.get("/healthz", tags=["ops"])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


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
    keys = KeyRing.from_settings(settings)  # no keys and auth on: refuse to start
    store = Store(settings.store_url)  # a bad URL refuses to start; no connection yet
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth_disabled:
            log.warning(
                "AUTH IS DISABLED (ASSIST_AUTH_DISABLED=true): every caller is admin; "
                "only for a local demo on %s",
                settings.host,
            )
        service = Service(settings, embedder)
        await anyio.to_thread.run_sync(service.start)
        await anyio.to_thread.run_sync(_warm_up, service)
        await anyio.to_thread.run_sync(store.start)  # tables; unreachable is logged, retried
        metrics.set_index(service.version)
        app.state.service = service
        app.state.capacity = anyio.CapacityLimiter(settings.suggest_threads)
        watcher = (
            asyncio.create_task(_watch(service, metrics, settings.reload_poll_seconds))
            if settings.reload_poll_seconds > 0
            else None
        )
        try:
            yield
        finally:
            if watcher:
                watcher.cancel()
            store.close()

    app = FastAPI(
        title="assist",
        version=__version__,
        lifespan=lifespan,
        summary="Reply suggestions for support agents, in Persian and English",
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.rate = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.state.metrics = metrics
    app.state.store = store
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    _add_error_handlers(app)
    app.include_router(router)
    app.include_router(web.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory assist.api:app_from_env` (several workers)."""
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


async def _watch(service: Service, metrics: Metrics, period: float) -> None:
    """Reload when `index/current` moves (a batch job published a new version)."""
    refused: str | None = None
    while True:
        await asyncio.sleep(period)
        published = service.published_version()
        if not published or published in (service.version, refused):
            continue
        try:
            done = await anyio.to_thread.run_sync(service.reload)
        except AssistError as exc:
            refused = published
            metrics.reloads.labels("refused").inc()
            log.error("refused index %s, still serving %s: %s", published, service.version, exc)
            continue
        metrics.reloads.labels("ok").inc()
        metrics.set_index(done.current)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistError)
    async def domain_error(request: Request, exc: AssistError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The caller's input is not echoed back: it may be huge or not encodable.
        errors = [
            {
                "loc": [clean_text(str(p)) for p in e.get("loc", ())],
                "msg": clean_text(str(e.get("msg", ""))),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error; the server log has the details"}, status_code=500
        )
