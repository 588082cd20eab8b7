"""The HTTP API's own request and response bodies (the files users write are in core)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    model_validator,
)
from pydantic.json_schema import JsonDict

from ..core.schemas import SUGGESTION_ID, Lang, Mood, clean_text
from ..settings import HISTORY_TURNS_CAP, Settings
from ..store.feedback import (
    MAX_FINAL_TEXT,
    POSTED_ACTIONS,
    TEXT_ACTIONS,
    FeedbackAction,
    PostedAction,
)
from ..store.tables import MAX_ANSWER_ID


def _clean_if_text(value: Any) -> Any:
    # Before pydantic's own str check, which rejects lone surrogates outright.
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_if_text)]

# What the server enforces but can't check in pydantic without changing its messages,
# stated in the OpenAPI schema so clients and fuzzers see it:
# a message must hold a character the Suggester doesn't normalise away (space, control,
# tashkeel, zero-width and bidi marks); the "empty" 422 answers the rest.
MESSAGE_PATTERN = (
    r"[^\u0000-\u0020\u007f-\u00a0\u00ad\u0610-\u061a\u0640\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u1680\u2000-\u200f\u2028-\u202f\u205f\u2066-\u2069\u3000"
    r"\ufc5e-\ufc63\ufcf2-\ufcf4\ufe70-\ufe72\ufe74\ufe76-\ufe7f\ufeff]"
)
# NUL is dropped before the length check, so an id of NULs alone is empty.
_NOT_ONLY_NUL: JsonDict = {"pattern": r"[^\u0000]"}
# Strict numbers: lax int took `true` and `false`, which the schema doesn't allow.
CustomerValue = (
    Annotated[str, BeforeValidator(_clean_if_text), Field(max_length=500)] | StrictInt | StrictFloat
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        # One error for a flood of unknown fields, not one per field: 20,000 of them fit
        # in a body, and validating them blocked the event loop for 0.3 s.
        if isinstance(data, dict) and len(data) > len(cls.model_fields) + _UNKNOWN_SHOWN:
            unknown = [str(k)[:50] for k in data if k not in cls.model_fields]
            if len(unknown) > _UNKNOWN_SHOWN:
                raise ValueError(
                    f"{len(unknown)} unknown fields ({', '.join(unknown[:_UNKNOWN_SHOWN])}, ...);"
                    f" the fields are: {', '.join(cls.model_fields)}"
                )
        return data


_UNKNOWN_SHOWN = 5


class TurnIn(Body):
    role: Literal["customer", "agent"]
    text: CleanText = Field(max_length=20_000)
    suggestion_id: CleanText | None = Field(default=None, max_length=300)


class SuggestRequest(Body):
    conversation_id: CleanText = Field(
        min_length=1, max_length=200, json_schema_extra=_NOT_ONLY_NUL
    )
    message: CleanText = Field(
        description="The customer's message; limit: max_message_chars",
        json_schema_extra={"minLength": 1, "pattern": MESSAGE_PATTERN},
    )
    history: list[TurnIn] = Field(
        default_factory=list,
        max_length=HISTORY_TURNS_CAP,  # a hard cap, checked before any turn is
        description="Earlier turns, oldest first; limit: max_history_turns",
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
    prior: float = Field(
        0.0,
        description="What agents' feedback added to `score` (negative: taken away), "
        "at most ASSIST_PRIOR_MAX either way; 0 without feedback",
    )


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
    no_match: bool = Field(description="true unless match is confident: the one field to read")
    match: Literal["confident", "weak", "none"] = Field(
        description="weak: no confident suggestion, the closest entries are still listed; "
        "none: nothing close"
    )
    best_score: float
    outside_score: float = Field(description="the out-of-scope exemplars' score; -1 if none")
    index_version: str
    answer_id: str = Field(
        description="This answer's id (random, URL-safe, at most 40 characters): post it "
        "with `shown` feedback for each suggestion the agent saw"
    )
    took_ms: float


class FeedbackRequest(Body):
    # Documented, enforced by the store: the final_text rule and entry/reply ids of at
    # most 100 characters (the store's columns).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {
                    "action": {"enum": [a for a in POSTED_ACTIONS if a not in TEXT_ACTIONS]}
                }
            },
            "then": {"properties": {"final_text": {"type": "null"}}},
        }
    )

    suggestion_id: CleanText = Field(
        max_length=300,
        pattern=SUGGESTION_ID,
        description="As /v1/suggest returned it: entry/reply/lang/variant",
        json_schema_extra={"allOf": [{"pattern": "^[^/]{1,100}/[^/]{1,100}/"}]},
    )
    conversation_id: CleanText = Field(
        min_length=1, max_length=200, json_schema_extra=_NOT_ONLY_NUL
    )
    action: PostedAction = Field(
        description="shown (displayed), inserted (into the composer or clipboard), "
        "sent (to the customer), dismissed"
    )
    final_text: CleanText | None = Field(
        default=None,
        max_length=MAX_FINAL_TEXT,
        description="The text as it left the sidebar; only with inserted or sent",
    )
    answer_id: str | None = Field(
        default=None,
        max_length=MAX_ANSWER_ID,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The /v1/suggest answer the suggestion came in: required with shown "
        "(its position there is recorded); optional with the others, which need an "
        "earlier shown of the suggestion in the conversation (422 'never shown')",
    )


class FeedbackResponse(BaseModel):
    id: int
    action: FeedbackAction = Field(
        description="As stored: a sent whose text is less than half like the inserted "
        "suggestion is recorded as sent_rewritten"
    )


class ReloadResponse(BaseModel):
    previous: str | None
    current: str
    changed: bool


class Problem(BaseModel):
    detail: Any


def state_limits(openapi: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The OpenAPI schema with this server's configured limits (they are settings, so
    the models can't carry them): the message length (413 past it) and history turns."""
    fields = openapi["components"]["schemas"]["SuggestRequest"]["properties"]
    fields["message"]["maxLength"] = settings.max_message_chars
    history = fields["history"]
    history["maxItems"] = min(history.get("maxItems", math.inf), settings.max_history_turns)
    return openapi
