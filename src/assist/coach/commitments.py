"""What the draft commits to: time promises held to the situation's limit (seed 004: a
24-hour replacement promised and never delivered), and a promise to come back, which
becomes a proposed follow-up (seed 000: call back with the result, even a "no").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.promises import find_time_promises
from ..core.schemas import Entry
from ..core.text import normalise
from . import phrases
from .aligned import Aligned
from .result import FollowUpProposal


@dataclass(frozen=True)
class TimeHit:
    start: int
    end: int
    text: str  # as written
    hours: float
    relative: bool  # today / tomorrow rather than an amount


_RELATIVE = re.compile(r"^(?:today|tonight|tomorrow|امروز|فردا)$")
_EN_FUTURE = re.compile(
    r"\b(?:will|shall|going to|gonna|by|until|till|within|before|expect|should|latest|can|"
    r"could|let you know|get back)\b|['’]ll\b"
)
_FA_FUTURE = re.compile(
    r"(?<!\w)(?:تا|میرسه|میرسد|خواه\w*|می\w+(?<!یم)(?<!ید)(?<!ند)|قراره|قرار است)(?!\w)"
)


def time_promises(draft: Aligned, message: str | None = None) -> list[TimeHit]:
    """The draft's time spans that promise something, each with its span in the draft.
    Not promises: the past ("waiting for 3 days", "today I called"), the customer's own
    words said back ("a week on pending is not acceptable"), the customer's own deadline
    ("you can return it within 30 days")."""
    echoes = _amounts(normalise(message)) if message else set()
    used: set[int] = set()
    found = []
    spans = [(p.text, p.hours) for p in find_time_promises(draft.original) if p.hours is not None]
    for m in phrases.MONTHS.finditer(draft.norm):
        number = m.group("num")
        count = float(number) if number.isdigit() else phrases.MONTH_NUMBERS.get(number, 1)
        spans.append((m.group(0), _MONTH_HOURS * count))
    for text, hours in spans:
        for m in re.finditer(re.escape(text), draft.norm):
            if m.start() in used:
                continue
            used.add(m.start())
            clause = _CLAUSE.split(draft.norm[max(0, m.start() - 80) : m.start()])[-1]
            after = draft.norm[m.end() : m.end() + 25]
            if (
                phrases.PAST_BEFORE.search(clause)
                or phrases.PAST_AFTER.search(after)
                or phrases.CUSTOMER_DEADLINE.search(clause)
                or _amount(text) in echoes
            ):
                break
            relative = bool(_RELATIVE.match(text))
            start, end = draft.span(m.start(), m.end())
            if relative and not _future(draft, start):
                break
            found.append(TimeHit(start, end, draft.original[start:end], hours, relative))
            break
    return sorted(found, key=lambda h: h.start)


_MONTH_HOURS = 730.0
_CLAUSE = re.compile(r"[.!?;]")
_UNIT_CLASS = (
    ("minute", re.compile(r"^(?:minutes?|mins?|دقیقه)")),
    ("hour", re.compile(r"^(?:hours?|hrs?|h|ساعت)")),
    ("day", re.compile(r"^(?:days?|business|working|bussiness|روز)")),
    ("week", re.compile(r"^(?:weeks?|هفته)")),
    ("month", re.compile(r"^(?:months?|ماه)")),
)
_NUMBER_WORDS = {
    **{
        w: i
        for i, w in enumerate(
            "zero one two three four five six seven eight nine ten eleven twelve".split()
        )
    },
    **{w: i for i, w in enumerate("صفر یک دو سه چهار پنج شش هفت هشت نه ده".split())},
    "a": 1,
    "an": 1,
    "یه": 1,
    "twenty": 20,
    "thirty": 30,
    "بیست": 20,
    "سی": 30,
}
_AMOUNT = re.compile(r"(\d+|[a-z]+|[\u0600-\u06ff]+)\s+(?:\S+\s+)?([a-z]+|[\u0600-\u06ff]+)")


def _amount(text: str) -> tuple[float, str] | None:
    """(number, unit class) of a time span: "three business days" -> (3, "day")."""
    m = _AMOUNT.match(normalise(text))
    if m is None:
        return None
    number = float(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS.get(m.group(1))
    words = normalise(text).split()[1:]
    for name, pattern in _UNIT_CLASS:
        if number is not None and any(pattern.match(w) for w in words):
            return float(number), name
    return None


def _amounts(norm: str) -> set[tuple[float, str] | None]:
    """Every "number (word) unit" in a message, loosely ("3 bussiness days" counts)."""
    found: set[tuple[float, str] | None] = set()
    tokens = norm.split()
    for i in range(len(tokens)):
        amount = _amount(" ".join(tokens[i : i + 3]))
        if amount is not None:
            found.add(amount)
    found.discard(None)
    return found


def _future(draft: Aligned, start: int) -> bool:
    sentence = draft.sentence_of(start)
    text = sentence.text if sentence else draft.norm
    if any("\u0600" <= c <= "\u06ff" for c in text):
        return bool(_FA_FUTURE.search(text))
    return bool(_EN_FUTURE.search(text))


def over_limit(hits: list[TimeHit], entry: Entry | None) -> list[TimeHit]:
    if entry is None or entry.promise_limit_hours is None:
        return []
    return [h for h in hits if h.hours > entry.promise_limit_hours]


_CUSTOMER_CHANNEL_KEYS = ("channel", "contact_channel", "preferred_channel")
_DEFAULT_DUE_HOURS = 24.0


def follow_up(
    draft: Aligned,
    hits: list[TimeHit],
    entry: Entry | None,
    customer: Mapping[str, object] | None,
) -> FollowUpProposal | None:
    """A follow-up for the first promise to come back, or None when there is none."""
    m = phrases.COME_BACK.search(draft.norm)
    if m is None:
        return None
    start, end = draft.span(m.start(), m.end())
    sentence = draft.sentence_of(start)
    lo, hi = (sentence.start, sentence.end) if sentence else (start, end)
    due = None
    for hit in hits:
        if lo <= hit.start < hi:
            due = _due(hit)
            break
    if due is None:
        rule = entry.follow_up if entry else None
        due = float(rule.within_hours) if rule and rule.within_hours else _DEFAULT_DUE_HOURS
    channel, source = _channel(sentence.text if sentence else draft.norm, entry, customer)
    return FollowUpProposal(
        due_in_hours=round(due, 2),
        channel=channel,
        channel_from=source,  # type: ignore[arg-type]
        start=lo,
        end=hi,
        text=draft.original[lo:hi],
    )


def _due(hit: TimeHit) -> float:
    """Hours until the update is due: "today" means this working day, "tomorrow" a day."""
    if hit.relative:
        return 8.0 if hit.hours <= 24 else 24.0
    return hit.hours


def _channel(
    sentence: str, entry: Entry | None, customer: Mapping[str, object] | None
) -> tuple[str, str]:
    for name, pattern in phrases.CHANNELS:
        if pattern.search(sentence):
            return name, "draft"
    for key in _CUSTOMER_CHANNEL_KEYS:
        value = (customer or {}).get(key)
        if isinstance(value, str):
            for name, pattern in phrases.CHANNELS:
                if value.strip().lower() == name or pattern.search(value.lower()):
                    return name, "customer"
    rule = entry.follow_up if entry else None
    if rule and rule.channel != "preferred":
        return rule.channel, "playbook"
    return "chat", "default"
