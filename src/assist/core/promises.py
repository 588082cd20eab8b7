"""Find time promises ("within 24 hours", «تا ۳ روز کاری») in reply text.

The seeds' lesson: never create an expectation you can't meet. Playbook lint uses this
to hold replies to their entry's `promise_limit_hours`; draft checks will reuse it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .text import normalise

_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
    "forty-eight": 48,
    "seventy-two": 72,
    "twenty-four": 24,
    "few": 3,
    "a few": 3,
    "couple": 2,
    "a couple of": 2,
    "couple of": 2,
    "several": 5,
}
_FA_NUMBERS = {
    "یک": 1,
    "یه": 1,
    "دو": 2,
    "سه": 3,
    "چهار": 4,
    "پنج": 5,
    "شش": 6,
    "هفت": 7,
    "هشت": 8,
    "نه": 9,
    "ده": 10,
    "دوازده": 12,
    "چهارده": 14,
    "بیست": 20,
    "سی": 30,
    "چند": 3,
    "بیست و چهار": 24,
    "چهل و هشت": 48,
    "هفتاد و دو": 72,
}
# Hours per unit; a business day is counted with its weekend share, 3 business days ≈ 4.2 days.
_UNITS = {
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "min": 1 / 60,
    "mins": 1 / 60,
    "hour": 1,
    "hours": 1,
    "hr": 1,
    "hrs": 1,
    "h": 1,
    "day": 24,
    "days": 24,
    "business day": 24 * 7 / 5,
    "business days": 24 * 7 / 5,
    "working day": 24 * 7 / 5,
    "working days": 24 * 7 / 5,
    "week": 168,
    "weeks": 168,
    "دقیقه": 1 / 60,
    "ساعت": 1,
    "روز": 24,
    "روز کاری": 24 * 7 / 5,
    "هفته": 168,
}
_SLOT = r"\{\{\s*[a-z][a-z0-9_]*\s*\}\}"
_EN_NUM = "|".join(sorted((re.escape(k) for k in _EN_NUMBERS), key=len, reverse=True))
_FA_NUM = "|".join(sorted((re.escape(k) for k in _FA_NUMBERS), key=len, reverse=True))
_EN_UNIT = r"(business days?|working days?|minutes?|mins?|hours?|hrs?|h|days?|weeks?)"
_FA_UNIT = r"(روز کاری|دقیقه|ساعت|روز|هفته)"
_PROMISE = re.compile(
    rf"(?<![\w.])(?P<num>\d+(?:\.\d+)?|{_SLOT}|{_EN_NUM}|{_FA_NUM})(?:\s*-\s*(?P<upto>\d+))?\s*"
    rf"(?P<unit>{_EN_UNIT}|{_FA_UNIT})(?![a-z])",
)
_RELATIVE = {"today": 24, "tonight": 24, "tomorrow": 48, "امروز": 24, "فردا": 48}
_RELATIVE_RE = re.compile(r"(?<!\w)(today|tonight|tomorrow|امروز|فردا)(?!\w)")
# "24/7 support", «پشتیبانی ۲۴ ساعته»: availability, not a promise.
_NOT_PROMISE = re.compile(r"24\s*/\s*7|24\s*ساعته|\d+\s*ساعت(?:ه|ی) ")


@dataclass(frozen=True)
class TimePromise:
    text: str
    hours: float | None  # None when the amount is a {{slot}} filled at run time


def find_time_promises(text: str) -> list[TimePromise]:
    """Time spans a reply commits to. Works on the normalised text (digits, ی/ک unified)."""
    norm = _NOT_PROMISE.sub(" ", normalise(text))
    found = []
    for m in _PROMISE.finditer(norm):
        num, unit = m.group("num"), m.group("unit")
        per_unit = _UNITS.get(unit) or _UNITS.get(unit.rstrip("s"), 1)
        if num.startswith("{{"):
            found.append(TimePromise(m.group(0), None))
            continue
        amount = float(m.group("upto") or 0) or _number(num)
        found.append(TimePromise(m.group(0), amount * per_unit))
    for m in _RELATIVE_RE.finditer(norm):
        found.append(TimePromise(m.group(0), float(_RELATIVE[m.group(1)])))
    return found


def longest_promise_hours(text: str) -> float | None:
    hours = [p.hours for p in find_time_promises(text) if p.hours is not None]
    return math.ceil(max(hours)) if hours else None


def _number(word: str) -> float:
    if word[0].isdigit():
        return float(word)
    return float(_EN_NUMBERS.get(word) or _FA_NUMBERS.get(word) or 1)
