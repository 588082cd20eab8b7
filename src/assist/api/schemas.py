"""The HTTP API's own request and response bodies (the files users write are in core)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..core.schemas import SUGGESTION_ID, Lang, Mood, clean_text
from ..store.feedback import MAX_FINAL_TEXT, FeedbackAction


def _clean_if_text(value: Any) -> Any:
    # Before pydantic's own str check, which rejects lone surrogates outright.
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_if_text)]
CustomerValue = Annotated[str, BeforeValidator(_clean_if_text), Field(max_length=500)] | int | float


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnIn(Body):
    role: Literal["customer", "agent"]
    text: CleanText = Field(max_length=20_000)
    suggestion_id: CleanText | None = Field(default=None, max_length=300)


class SuggestRequest(Body):
    conversation_id: CleanText = Field(min_length=1, max_length=200)
    message: CleanText = Field(description="The customer's message; limit: max_message_chars")
    history: list[TurnIn] = Field(
        default_factory=list, description="Earlier turns, oldest first; limit: max_history_turns"
    )
    customer: dict[Annotated[CleanText, Field(max_length=100)], CustomerValue | None] = Field(
        default_factory=dict,
        max_length=50,
        description="Context for {{data}} slots: name, order_id, ...",
    )
    lang: Lang | None = Field(default=None, description="Answer language; detected if omitted")
    k: int | None = Field(default=None, ge=1, le=10, description="Suggestions per question")


class SlotOut(BaseModel):
    name: str
    kind: Literal["data", "human"]
    hint: str
    start: int
    end: int


class WhyOut(BaseModel):
    text: str
    kind: str
    lang: str
    similarity: float


class SuggestionOut(BaseModel):
    id: str
    entry_id: str
    reply_id: str
    source: Literal["playbook", "snippet"]
    author: str | None
    title: str
    lang: Lang
    fallback_lang: bool
    text: str
    slots: list[SlotOut]
    guidance: list[str]
    score: float
    why: WhyOut
    question: int
    promise_limit_hours: int | None
    follow_up: dict[str, Any] | None


class SignalsOut(BaseModel):
    lang: Lang
    script: str
    mood: Mood
    mood_cues: list[str]
    questions: list[str]
    truncated: bool


class SuggestResponse(BaseModel):
    suggestions: list[SuggestionOut]
    signals: SignalsOut
    no_match: bool
    best_score: float
    index_version: str
    took_ms: float


class FeedbackRequest(Body):
    suggestion_id: CleanText = Field(
        max_length=300,
        pattern=SUGGESTION_ID,
        description="As /v1/suggest returned it: entry/reply/lang/variant",
    )
    conversation_id: CleanText = Field(min_length=1, max_length=200)
    action: FeedbackAction = Field(
        description="shown (displayed), inserted (into the composer or clipboard), "
        "sent (to the customer), dismissed"
    )
    final_text: CleanText | None = Field(
        default=None,
        max_length=MAX_FINAL_TEXT,
        description="The text as it left the sidebar; only with inserted or sent",
    )


class FeedbackResponse(BaseModel):
    id: int


class ReloadResponse(BaseModel):
    previous: str | None
    current: str
    changed: bool


class Problem(BaseModel):
    detail: Any
