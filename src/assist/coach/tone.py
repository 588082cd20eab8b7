"""How the draft speaks: refusals, blame, guarantees, and what an upset customer needs
to hear (seed 004: their name, an apology, their problem said back, someone who owns it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.text import normalise
from . import phrases
from .aligned import Aligned
from .words import FUNCTION, GENERIC, same_skeleton, same_stem, skeleton, stem


@dataclass(frozen=True)
class Hit:
    start: int  # original code points
    end: int
    text: str  # as written in the draft


def find(pattern: re.Pattern[str], draft: Aligned) -> list[Hit]:
    hits = []
    for m in pattern.finditer(draft.norm):
        if m.end() > m.start():
            start, end = draft.span(m.start(), m.end())
            hits.append(Hit(start, end, draft.original[start:end]))
    return hits


_CLAUSE_END = re.compile(r"[.!?;,:]")


def guarantees(draft: Aligned) -> list[Hit]:
    """Absolute guarantees, leaving out the honest "I can't guarantee" and «قول نمیدم»."""
    found = []
    for m in phrases.GUARANTEE.finditer(draft.norm):
        # The clause around it: "not possible, guaranteed" is not a negated guarantee.
        before = _CLAUSE_END.split(draft.norm[max(0, m.start() - 40) : m.start()])[-1]
        after = _CLAUSE_END.split(draft.norm[m.end() : m.end() + 30])[0]
        if phrases.NOT_A_GUARANTEE_BEFORE.search(before):
            continue
        if phrases.NOT_A_GUARANTEE_AFTER.search(after):
            continue
        start, end = draft.span(m.start(), m.end())
        found.append(Hit(start, end, draft.original[start:end]))
    return found


def bare_refusal(draft: Aligned) -> Hit | None:
    """The first refusal, when the draft gives neither a reason nor an alternative."""
    refusals = find(phrases.REFUSAL, draft) + find(phrases.REFUSAL_FA, draft)
    if not refusals:
        return None
    if phrases.REASON.search(draft.norm) or phrases.ALTERNATIVE.search(draft.norm):
        return None
    return min(refusals, key=lambda h: h.start)


_QUOTED = re.compile(r'"[^"]*"')


def blames(draft: Aligned) -> list[Hit]:
    """Blame in the agent's own words; the customer's words quoted back don't count."""
    quoted = [draft.span(m.start(), m.end()) for m in _QUOTED.finditer(draft.norm)]
    return [h for h in find(phrases.BLAME, draft) if not any(a <= h.start < b for a, b in quoted)]


def apologises(draft: Aligned) -> bool:
    return bool(phrases.APOLOGY.search(draft.norm))


def owns(draft: Aligned) -> bool:
    return bool(phrases.OWNERSHIP.search(draft.norm))


_HONORIFIC = frozenset(
    "mr mrs ms miss dr sir madam آقای اقای آقا اقا خانم جناب سرکار دکتر مهندس".split()
)
_NAME_SUFFIX = r"(?:ی|جان|جون)?"


def customer_name(customer: Mapping[str, object] | None) -> str | None:
    for key in ("name", "customer_name", "first_name"):
        value = (customer or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def uses_name(draft: Aligned, name: str) -> bool:
    """Any part of the name (not a title), as a word: "Sara" in "Sara Ahmadi"."""
    parts = [p for p in normalise(name).split() if p not in _HONORIFIC and len(p) >= 2]
    for part in parts or normalise(name).split():
        if re.search(rf"(?<!\w){re.escape(part)}{_NAME_SUFFIX}(?!\w)", draft.norm):
            return True
    return False


_NUMBER = re.compile(r"\d+")


def reflects(draft: Aligned, message: str) -> bool:
    """Something of the customer's situation is said back: their feeling named, one of
    their numbers (an order, an amount), or one of their content words ("the blue
    one", «چمدان» for «چمدونم», «کارت» for Finglish "kart"). Generic words ("request",
    «مشکل») don't count: "your request is being processed" reflects nothing. (Two
    shared words, or topic words at half weight, flagged more drafts wrongly on dev.)"""
    if phrases.FEELING.search(draft.norm):
        return True
    said = normalise(message)
    if set(_NUMBER.findall(said)) & set(_NUMBER.findall(draft.norm)):
        return True
    ours = _content_words(draft.norm)
    return any(_same_word(word, other) for word in _content_words(said) for other in ours)


def _content_words(norm: str) -> set[tuple[str, str]]:
    """(stem, consonant skeleton) of each content word, and of each pair of adjacent
    words written together («دو بار» is «دوبار»)."""
    words = re.findall(r"\w+", norm)
    pairs = [
        a + b
        for a, b in itertools.pairwise(words)
        if not a.isascii() and not {a, b} & (FUNCTION | GENERIC)
    ]
    found = set()
    for w in words + pairs:
        s = stem(w)
        if w in FUNCTION or w in GENERIC or len(w) < 3 or w.isdigit():
            continue
        found.add((s, skeleton(w)))
    return found


def _same_word(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if a[0] == b[0]:
        return True
    if a[0].isascii() and b[0].isascii():
        return same_stem(a[0], b[0])
    return same_skeleton(a[1], b[1])
