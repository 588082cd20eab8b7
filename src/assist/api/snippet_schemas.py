"""Request and response bodies of the snippet and library routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..core.schemas import KEBAB, SUGGESTION_ID, Lang
from .schemas import Body, CleanText, CustomerValue, TurnIn

MAX_SNIPPET_TEXT = 4000
MAX_TRIGGERS = 20
ShortText = CleanText


class ShareRequest(Body):
    """An agent's reply shared with the team (or kept for themself).

    Either `text` (the reply as it was sent: the customer's own data in it is turned back
    into slots, and other personal data refuses the request) or `replies` (wordings per
    language, slots written by hand). The customer messages it answers come from
    `triggers`, or else from `message` and the customer turns of `history`."""

    text: CleanText | None = Field(default=None, min_length=1, max_length=MAX_SNIPPET_TEXT)
    replies: dict[Lang, list[CleanText]] | None = Field(default=None, max_length=2)
    triggers: list[CleanText] = Field(default_factory=list, max_length=MAX_TRIGGERS)
    message: CleanText | None = Field(default=None, max_length=MAX_SNIPPET_TEXT)
    history: list[TurnIn] = Field(default_factory=list, max_length=50)
    customer: dict[CleanText, CustomerValue | None] = Field(default_factory=dict, max_length=50)
    visibility: Literal["team", "private"] = "team"
    entry_id: str | None = Field(default=None, pattern=KEBAB, max_length=100)
    suggestion_id: str | None = Field(default=None, pattern=SUGGESTION_ID, max_length=300)
    title: CleanText | None = Field(default=None, min_length=1, max_length=200)
    lang: Lang | None = None


class EditRequest(Body):
    replies: dict[Lang, list[CleanText]] | None = Field(default=None, max_length=2)
    triggers: list[CleanText] | None = Field(default=None, min_length=1, max_length=MAX_TRIGGERS)
    title: CleanText | None = Field(default=None, min_length=1, max_length=200)
    entry_id: str | None = Field(default=None, pattern=KEBAB, max_length=100)


class ReviewRequest(Body):
    note: CleanText | None = Field(default=None, max_length=2000)


class SnippetOut(BaseModel):
    id: int
    status: str
    author: str
    team: str
    visibility: str
    title: str | None
    entry_id: str | None
    replies: dict[str, list[str]]
    triggers: list[str]
    reviewer: str | None
    review_note: str | None
    created_at: Any
    updated_at: Any
    change: int
    suggestion_prefix: str = Field(description="suggestion ids of this snippet start so")


class SharedOut(SnippetOut):
    replaced: list[dict[str, str]] = Field(
        default_factory=list, description="the customer's data turned into slots"
    )


class SnippetList(BaseModel):
    snippets: list[SnippetOut]


class DuplicateOut(BaseModel):
    entry_id: str
    source: str
    author: str | None
    title: str
    similarity: float
    matched: str
    kind: Literal["situation", "wording"]


class DuplicatesOut(BaseModel):
    duplicates: list[DuplicateOut]
    situation: float
    wording: float


class AuthorOut(BaseModel):
    author: str
    approved: int
    proposed: int
    rejected: int
    shown: int
    inserted: int
    sent: int
    dismissed: int


class AuthorsOut(BaseModel):
    authors: list[AuthorOut]


class LibraryItem(BaseModel):
    id: str
    entry_id: str
    reply_id: str
    lang: str
    title: str
    text: str
    source: str
    author: str | None
    score: float
    by: str


class LibraryOut(BaseModel):
    results: list[LibraryItem]
