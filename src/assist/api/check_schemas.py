"""Request and response bodies of `POST /v1/check` (coaching on the agent's draft)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..core.schemas import SUGGESTION_ID, Lang, Mood
from ..settings import HISTORY_TURNS_CAP
from .schemas import _NOT_ONLY_NUL, MESSAGE_PATTERN, Body, CleanText, CustomerValue, TurnIn

MAX_DRAFT_CHARS = 10_000


class CheckRequest(Body):
    draft: CleanText = Field(
        max_length=MAX_DRAFT_CHARS,
        description="The reply the agent is about to send",
        json_schema_extra={"minLength": 1, "pattern": MESSAGE_PATTERN},
    )
    conversation_id: CleanText = Field(
        min_length=1, max_length=200, json_schema_extra=_NOT_ONLY_NUL
    )
    message: CleanText | None = Field(
        default=None,
        description="The customer's message the draft answers (its mood, its situation); "
        "limit: max_message_chars",
    )
    suggestion_id: CleanText | None = Field(
        default=None,
        max_length=300,
        pattern=SUGGESTION_ID,
        description="The suggestion the draft started from, as /v1/suggest returned it",
    )
    customer: dict[Annotated[CleanText, Field(max_length=100)], CustomerValue | None] = Field(
        default_factory=dict,
        max_length=50,
        description="name (checked for an upset customer), channel (for a follow-up), ...",
    )
    history: list[TurnIn] = Field(
        default_factory=list,
        max_length=HISTORY_TURNS_CAP,
        description="Earlier turns, oldest first (the agent's ones: repeated sentences)",
    )
    lang: Lang | None = Field(default=None, description="The draft's language; detected if omitted")
    mood: Mood | None = Field(
        default=None,
        description="The customer's mood if known (signals.mood of /v1/suggest): saves "
        "reading it from the message",
    )


class FindingOut(BaseModel):
    code: str = Field(description="Stable: see the list in the API description")
    severity: Literal["info", "warn"]
    message: str
    start: int = Field(description="Code points in the draft; 0 and 0 for something missing")
    end: int
    hint: str


class FollowUpOut(BaseModel):
    due_in_hours: float
    channel: Literal["email", "phone", "sms", "chat"]
    channel_from: Literal["draft", "customer", "playbook", "default"]
    start: int
    end: int
    text: str


class CheckResponse(BaseModel):
    findings: list[FindingOut]
    recital: float = Field(description="Share of the draft that is template text, 0..1")
    personal_words: int = Field(description="Words of the agent's own (not template, data, filler)")
    follow_up: FollowUpOut | None = Field(
        description="Proposed when the draft promises to come back"
    )
    lang: Lang
    mood: Mood
    entry_id: str | None = Field(description="The situation whose limits the draft was held to")
    wording_id: str | None = Field(description="The nearest template wording")
    took_ms: float
