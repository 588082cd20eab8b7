"""Pydantic models for what crosses a boundary: playbook files, index manifests and the
HTTP API's bodies."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

Lang = Literal["en", "fa"]
LANGS: tuple[Lang, ...] = ("en", "fa")
Mood = Literal["calm", "frustrated", "angry"]
KEBAB = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    en: str | None = None
    fa: str | None = None

    def get(self, lang: str) -> str | None:
        return self.en if lang == "en" else self.fa if lang == "fa" else None


class LocalizedList(Strict):
    en: list[str] = Field(default_factory=list)
    fa: list[str] = Field(default_factory=list)

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.fa if lang == "fa" else []

    def langs(self) -> list[Lang]:
        return [lang for lang in LANGS if self.get(lang)]

    @field_validator("en", "fa")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        for i, item in enumerate(items):
            if not item.strip():
                raise ValueError(f"item {i + 1} is empty")
        return items


class Reply(LocalizedList):
    """One way of answering; each language holds several wordings (variants)."""

    id: str = Field(pattern=KEBAB)


class FollowUp(Strict):
    when: Literal["resolved", "open", "promised"] = "resolved"
    channel: Literal["preferred", "email", "phone", "sms", "chat"] = "preferred"
    within_hours: int | None = Field(default=None, ge=1, le=24 * 30)


class Entry(Strict):
    """One situation: how customers describe it, how to coach, and how to reply."""

    id: str = Field(pattern=KEBAB)
    title: Localized
    tags: list[str] = Field(default_factory=list)
    mood: list[Mood] = Field(default_factory=list)
    examples: LocalizedList
    guidance: LocalizedList = Field(default_factory=LocalizedList)
    replies: list[Reply] = Field(min_length=1)
    promise_limit_hours: int | None = Field(default=None, ge=0, le=24 * 365)
    follow_up: FollowUp | None = None

    def langs(self) -> list[Lang]:
        """Languages this entry claims: any that its title, examples or replies use."""
        used = {lang for lang in LANGS if self.title.get(lang)}
        used.update(self.examples.langs())
        for reply in self.replies:
            used.update(reply.langs())
        return [lang for lang in LANGS if lang in used]


class Manifest(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    format: Literal[1] = 1
    version: str
    embedder: str
    model: str
    fingerprint: str
    dim: int
    normaliser: int
    index_type: Literal["flat", "hnsw"]
    counts: dict[str, int]
    sources: dict[str, str]
    sources_sha256: str
    files: dict[str, str]
    built_at: str
    build_seconds: float


# ------------------------------------------------------------------ HTTP API bodies

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Text safe to process, store and echo: NUL removed, lone surrogates (legal in
    JSON escapes, unencodable as UTF-8) replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


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


FeedbackAction = Literal["shown", "inserted", "sent", "dismissed"]
FEEDBACK_ACTIONS: tuple[FeedbackAction, ...] = ("shown", "inserted", "sent", "dismissed")
_KEBAB_PART = KEBAB.strip("^$")
SUGGESTION_ID = rf"^{_KEBAB_PART}/{_KEBAB_PART}/(?:{'|'.join(LANGS)})/(?:0|[1-9][0-9]{{0,3}})$"
MAX_FINAL_TEXT = 20_000


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
