"""Response bodies of the statistics routes (the shape the lead's page is built on).
Rates are 0..1, or null when there was nothing to divide by."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Rate = float | None


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class MatchCounts(_Out):
    served: int
    confident: int
    weak: int
    none: int
    match_rate: Rate
    weak_rate: Rate
    no_match_rate: Rate


class LangCounts(MatchCounts):
    lang: str


class MoodShare(_Out):
    mood: str
    served: int
    share: Rate


class ReplyUsage(_Out):
    key: str = Field(description="entry_id/reply_id")
    entry_id: str
    reply_id: str
    source: Literal["playbook", "snippet"]
    author: str | None
    title: dict[str, str] | None = Field(None, description="the entry's title per language")
    shown: int
    inserted: int
    sent: int
    sent_rewritten: int
    dismissed: int
    accepted: int = Field(description="suggestions inserted or sent (once each)")
    acceptance: Rate = Field(description="accepted / shown")
    mean_edit_distance: float | None = Field(
        description="inserted and sent texts vs the suggestion, in thousandths "
        "(0 unchanged, 1000 nothing in common)"
    )


class CheckRates(_Out):
    checked: int
    recital: int = Field(description="drafts that recite a template (code `verbatim`)")
    recital_rate: Rate
    over_promise: int
    over_promise_rate: Rate
    recital_mean: Rate = Field(description="mean share of template words in a draft")


class CheckDay(CheckRates):
    day: str


class CheckEntry(CheckRates):
    entry_id: str | None


class ChecksOut(CheckRates):
    trend: list[CheckDay]
    by_entry: list[CheckEntry]


class AuthorUsage(_Out):
    author: str
    snippets: int = Field(description="team snippets approved (or since retired)")
    shown: int
    inserted: int
    sent: int
    accepted: int
    acceptance: Rate


class FollowupCounts(_Out):
    open: int
    on_time: int = Field(description="open and not yet due")
    overdue: int = Field(description="open and past due")
    done_on_time: int = Field(description="done in the period, by their due time")
    done_late: int


class GapCounts(_Out):
    kept: int
    clusters: int | None = Field(description="null when no index is loaded to cluster with")


class _Period(_Out):
    from_: str = Field(alias="from", description="first day, UTC")
    to: str = Field(description="last day, UTC, included")
    team: str


class StatsOut(_Period):
    answers: MatchCounts
    by_lang: list[LangCounts]
    mood: list[MoodShare]
    replies: list[ReplyUsage]
    checks: ChecksOut
    authors: list[AuthorUsage]
    followups: FollowupCounts
    gaps: GapCounts


class GapOut(_Out):
    id: str
    size: int = Field(description="messages, repeats included")
    distinct: int
    lang: str
    examples: list[str] = Field(description="at most 5, personal data masked")
    best_entry_id: str | None
    best_score: float
    skeleton: str = Field(description="a playbook entry (YAML) to start from")


class GapsOut(_Period):
    kept: int = Field(description="messages kept in the period")
    messages: int = Field(description="the newest ones clustered")
    unclustered: int
    threshold: float
    clusters: list[GapOut]
