"""What a check returns. Codes are stable: clients and statistics key on them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["info", "warn"]

# Every finding code, what it means. Absence findings (no_*) have an empty span (0, 0).
CODES: dict[str, str] = {
    "verbatim": "the draft is a template's fixed text with nothing of the agent's own "
    "(human slots left as their hint or filled with filler)",
    "unfilled_slot": "a {{data}} or [[human]] slot is still in the draft",
    "repeated": "a sentence the agent already sent in this conversation",
    "over_promise": "a time promise beyond the situation's promise_limit_hours, or an "
    "absolute guarantee",
    "bare_refusal": "a refusal with no reason and no alternative",
    "blames_customer": "blames the customer or talks down to them",
    "no_name": "upset customer: their name is known and unused",
    "no_apology": "upset customer: no apology",
    "no_reflection": "upset customer: nothing of their problem or feeling is said back",
    "no_ownership": 'upset customer: nobody takes the case on ("I\'ll handle it")',
    "follow_up": "the draft promises to come back: a follow-up is proposed",
}
UPSET_CODES = ("no_name", "no_apology", "no_reflection", "no_ownership")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str  # in the draft's language
    start: int  # code points in the draft; (0, 0) when it is about something missing
    end: int
    hint: str


@dataclass(frozen=True)
class FollowUpProposal:
    due_in_hours: float
    channel: str  # email | phone | sms | chat
    channel_from: Literal["draft", "customer", "playbook", "default"]
    start: int  # the promise in the draft
    end: int
    text: str


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    recital: float  # share of the draft's words that are template text (0..1)
    personal_words: int  # words of the agent's own: not template, slot data or filler
    follow_up: FollowUpProposal | None
    lang: str
    mood: str
    entry_id: str | None  # the situation the draft was held to (limits, follow-up rule)
    wording_id: str | None  # the nearest template wording, entry/reply/lang/variant
    took_ms: float = 0.0

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
