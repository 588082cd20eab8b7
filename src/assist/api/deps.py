"""What every route depends on: the served state, the caller (authentication, rate
limit, role) and a bound on waiting for the store. Shared by the route modules."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..core.suggest import Suggester
from ..settings import Role, Settings
from ..store.feedback import Store, StoreUnavailable
from .auth import ANONYMOUS, Principal
from .schemas import Problem
from .state import Service

log = logging.getLogger("assist")

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        400: "Body is not JSON, or a bad Content-Length",
        401: "Missing or unknown API key",
        403: "The key's role may not use this route",
        413: "Body or message over its limit",
        422: "Malformed body",
        429: "Rate limit exceeded (see Retry-After)",
        503: "No index loaded yet",
    }.items()
}


# The dependencies are coroutines: a plain `def` one costs a trip to the thread pool
# and back on every request (0.2-0.3 ms each here), and none of them blocks.
async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_suggester(service: ServiceDep) -> Suggester:
    return service.require()  # IndexNotReady -> 503


SuggesterDep = Annotated[Suggester, Depends(get_suggester)]


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def _refuse_guessers(request: Request) -> str:
    """429 while this client address is out of failed-authentication tokens; then every
    key from it waits, a right one too, or a 200 among the 429s would confirm a guess.
    Returns the address, to charge if this attempt fails as well."""
    state = request.app.state
    address = request.client.host if request.client else "unknown"
    wait = state.auth_failures.wait(address)
    if wait:
        raise _too_many(request, wait, "too many missing or unknown API keys from this address")
    return address


def _too_many(request: Request, wait: float, reason: str) -> HTTPException:
    """429 with Retry-After (whole seconds, at least 1), counted in the metrics."""
    request.app.state.metrics.rate_limited.inc()
    retry = max(1, math.ceil(wait))
    return HTTPException(429, f"{reason}; retry in {retry} s", headers={"Retry-After": str(retry)})


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    state = request.app.state
    settings: Settings = state.settings
    if settings.auth_disabled:
        principal = ANONYMOUS
        caller = request.client.host if request.client else "local"
    else:
        address = _refuse_guessers(request)
        if credentials is None or credentials.scheme.lower() != "bearer":
            state.auth_failures.take(address)
            raise HTTPException(
                401,
                "missing API key: send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        # A known key costs no I/O; only a miss looks at the keys file, off the loop.
        found = state.keys.known(credentials.credentials) or await anyio.to_thread.run_sync(
            state.keys.identify, credentials.credentials
        )
        if found is None:
            state.auth_failures.take(address)
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        principal, caller = found, found.name
    wait = state.rate.take(caller)
    if wait:
        raise _too_many(
            request,
            wait,
            f"rate limit exceeded ({settings.rate_limit_per_second:g} "
            f"requests/s per key, burst {settings.rate_limit_burst})",
        )
    return principal


AgentDep = Annotated[Principal, Depends(authenticate)]


def needs(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: AgentDep) -> Principal:
        if not principal.may(role):
            raise HTTPException(
                403,
                f"this route needs a {role} key; {principal.name!r} is an {principal.role} key",
            )
        return principal

    return check


require_admin = needs("admin")
AdminDep = Annotated[Principal, Depends(require_admin)]
LeadDep = Annotated[Principal, Depends(needs("lead"))]


async def bounded(store: Store, call: Callable[[], T]) -> T:
    """The call's result, or StoreUnavailable once the store's own timeouts should have ended it:
    a database that stops answering mid-connection (no driver timeout covers that) costs
    this request seconds, and its thread is left to the driver."""
    try:
        with anyio.fail_after(store.request_bound):
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
    except TimeoutError as exc:
        raise StoreUnavailable(
            f"the database at {store.display_url} is unavailable: "
            f"no answer within {store.request_bound:g} s"
        ) from exc


async def poll_store(
    store: Store, period: float, step: Callable[[], Awaitable[object]], failed: str, recovered: str
) -> None:
    """Run `step` every `period` seconds while the store is up, forever: an outage is
    logged once (`failed: <error>`) and its end once (`recovered`); only cancellation
    ends it, so a background task keeps the last state through any store failure."""
    failing = False
    while True:
        await asyncio.sleep(period)
        if not store.ready:
            continue
        try:
            await step()
            if failing:
                log.warning(recovered)
            failing = False
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not failing:
                log.error("%s: %s", failed, exc)
            failing = True
