"""Follow-up routes: create one (from the sidebar when the coach proposes it, or by
hand), list them, mark them done or cancelled.

Who sees what: an agent their own follow-ups; a lead the team's; an admin every team's.
Who closes: the owner, a lead of the team, an admin. Anyone else gets 404 (not a hint
that it exists). Delivery to the helpdesk is followup_delivery.py's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from ..core.schemas import KEBAB
from ..store.feedback import Store, StoreUnavailable
from ..store.followups import MAX_CUSTOMER_REF, MAX_REASON, Followup
from .auth import Principal
from .deps import ERRORS, AgentDep, StoreDep, bounded
from .schemas import Body, CleanText

log = logging.getLogger("assist")

router = APIRouter(tags=["followups"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: ERRORS[422] | {"description": "No such follow-up (or not yours to see)"},
    409: ERRORS[422] | {"description": "The follow-up is not open any more"},
    503: ERRORS[422] | {"description": "The store is unavailable"},
}
Channel = Literal["email", "phone", "sms", "chat"]
Status = Literal["open", "done", "cancelled"]
MAX_HOURS = 366 * 24
T = TypeVar("T")


async def _stored(store: Store, call: Callable[[], T]) -> T:
    """The call's result; an outage is 503 without the database's address (logged)."""
    try:
        return await bounded(store, call)
    except StoreUnavailable as exc:
        log.error("follow-ups: %s", exc)
        raise HTTPException(503, "follow-up store unavailable; try again later") from exc


class FollowupRequest(Body):
    """Give the due time as `due_at` (ISO 8601 with its offset) or `within_hours`."""

    conversation_id: CleanText = Field(min_length=1, max_length=200)
    customer_ref: CleanText | None = Field(
        default=None,
        max_length=MAX_CUSTOMER_REF,
        description="The helpdesk's id for the customer (personal data in it is masked)",
    )
    channel: Channel = Field(description="The channel the customer agreed to")
    due_at: AwareDatetime | None = None
    within_hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    reason: CleanText = Field(
        min_length=1,
        max_length=MAX_REASON,
        description="What was promised (personal data in it is masked)",
    )
    entry_id: str | None = Field(default=None, pattern=KEBAB, max_length=100)
    source: Literal["promise", "entry", "manual"] = "manual"

    @model_validator(mode="after")
    def _one_due_time(self) -> FollowupRequest:
        if (self.due_at is None) == (self.within_hours is None):
            raise ValueError("give the due time as `due_at` or as `within_hours`, one of them")
        return self


class DeliveryOut(BaseModel):
    state: Literal["pending", "delivered", "failed", "closed"]
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    last_error: str | None


class FollowupOut(BaseModel):
    id: int
    conversation_id: str
    customer_ref: str | None
    channel: Channel
    due_at: str
    reason: str
    owner: str
    team: str
    source: str
    entry_id: str | None
    status: Status
    overdue: bool = Field(description="open and past its due time")
    closed_by: str | None
    closed_at: str | None
    created_at: str
    delivery: DeliveryOut


class FollowupList(BaseModel):
    followups: list[FollowupOut]


def _out(followup: Followup) -> FollowupOut:
    return FollowupOut(**followup.to_dict())


def _may_see(principal: Principal, followup: Followup) -> bool:
    if principal.role == "admin" or followup.owner == principal.name:
        return True
    return principal.may("lead") and followup.team == principal.team


@router.post("/v1/followups", status_code=201, response_model=FollowupOut, responses=_RESPONSES)
async def create_followup(
    body: FollowupRequest, principal: AgentDep, store: StoreDep
) -> FollowupOut:
    """A follow-up owned by the caller's key, in its team; delivered to the helpdesk's
    webhook when due (if one is configured)."""
    due_at = body.due_at or datetime.now(UTC) + timedelta(hours=body.within_hours or 0)
    made = await _stored(
        store,
        lambda: store.followups.create(
            conversation_id=body.conversation_id,
            customer_ref=body.customer_ref,
            channel=body.channel,
            due_at=due_at,
            reason=body.reason,
            owner=principal.name,
            team=principal.team,
            source=body.source,
            entry_id=body.entry_id,
        ),
    )
    return _out(made)


@router.get("/v1/followups", response_model=FollowupList, responses=_RESPONSES)
async def list_followups(
    principal: AgentDep,
    store: StoreDep,
    status: Annotated[Status | None, Query()] = None,
    due_before: Annotated[AwareDatetime | None, Query(description="ISO 8601 with offset")] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FollowupList:
    """Soonest due first. An agent's own; a lead's team's (`owner` narrows it); an
    admin's every team's. `status=open&due_before=<now>` lists the overdue ones."""
    team: str | None = principal.team
    if not principal.may("lead"):
        owner = principal.name
    elif principal.role == "admin":
        team = None
    found = await _stored(
        store,
        lambda: store.followups.list(
            status=status, owner=owner, team=team, due_before=due_before, limit=limit, offset=offset
        ),
    )
    return FollowupList(followups=[_out(f) for f in found])


async def _close(store: Store, principal: Principal, number: int, action: str) -> FollowupOut:
    found = await _stored(store, lambda: store.followups.get(number))
    if not _may_see(principal, found):
        raise HTTPException(404, f"no follow-up {number}")
    close = store.followups.done if action == "done" else store.followups.cancel
    return _out(await _stored(store, lambda: close(number, principal.name)))


@router.post("/v1/followups/{number}/done", response_model=FollowupOut, responses=_RESPONSES)
async def done(number: int, principal: AgentDep, store: StoreDep) -> FollowupOut:
    """The agent came back to the customer: nothing more to deliver."""
    return await _close(store, principal, number, "done")


@router.post("/v1/followups/{number}/cancel", response_model=FollowupOut, responses=_RESPONSES)
async def cancel(number: int, principal: AgentDep, store: StoreDep) -> FollowupOut:
    """No longer needed: it will not be delivered."""
    return await _close(store, principal, number, "cancel")
