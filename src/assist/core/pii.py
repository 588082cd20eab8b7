"""Personal data in free text: `find` it (to refuse it) or `mask` it (before storing it).

Kinds: email, phone, card (payment card, Luhn), iban (any IBAN, Iranian Sheba included;
mod 97) and national-id (Iranian, check digit); digits may be ASCII, Persian (۰-۹) or
Arabic-Indic (٠-٩). Masking writes the kind in brackets: `[card]`, `[phone]`, ...

Precision comes from shape and checksums, not from guessing: order ids (`A-1042`, a number
glued to letters or after `#`), amounts (thousands separators, or a currency next to the
number), decimals, dates and times are left alone, and so is a card-like or national-id-like
number right after an order or tracking label. A bare 13-19 digit number that passes Luhn
is taken for a card, and a bare 10-digit one with a valid check digit for a national id:
masking errs on the side of hiding.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["email", "phone", "card", "iban", "national-id"]
KINDS: tuple[Kind, ...] = ("email", "phone", "card", "iban", "national-id")


@dataclass(frozen=True)
class Found:
    kind: Kind
    start: int
    end: int


def find(text: str) -> list[Found]:
    """Every piece of personal data in `text`, by position, none overlapping."""
    ascii_text = text.translate(_TO_ASCII)  # same length, so positions carry over
    # Emails first, then IBANs, then numbers: digits inside an email are the email's.
    emails = [Found("email", m.start(), m.end()) for m in _EMAIL.finditer(ascii_text)]
    ibans = []
    for match in _IBAN.finditer(ascii_text):
        end = _iban_end(match)
        if end is not None and not _overlaps(emails, match.start(), end):
            ibans.append(Found("iban", match.start(), end))
    taken = sorted(emails + ibans, key=lambda f: f.start)
    numbers = [
        item
        for run in _RUN.finditer(ascii_text)
        for item in _numbers_in_run(ascii_text, run)
        if not _overlaps(taken, item.start, item.end)
    ]
    return sorted(taken + numbers, key=lambda f: f.start)


def mask(text: str) -> str:
    """`text` with each piece of personal data replaced by its kind: `[email]`, ..."""
    for item in reversed(find(text)):
        text = f"{text[: item.start]}[{item.kind}]{text[item.end :]}"
    return text


# ------------------------------------------------------------------ shapes

_TO_ASCII = {
    **{0x06F0 + i: str(i) for i in range(10)},  # Persian
    **{0x0660 + i: str(i) for i in range(10)},  # Arabic-Indic
    **{0xFF10 + i: str(i) for i in range(10)},  # full-width
}
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
# Country code, check digits, 11-30 more letters/digits, optionally grouped.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}")
# Digit groups joined by one or two spaces, dashes or brackets (LTR/RTL marks included);
# what they form is decided group by group below.
_SEP = "[ \\-()\u00a0\u202f\u200c\u200e\u200f]"
_RUN = re.compile(rf"\+?[0-9]+(?:{_SEP}{{1,2}}[0-9]+)*")
_GROUP = re.compile("[0-9]+")
_MAX_DIGITS = 19  # the longest card; phones have at most 15 (E.164)
_MIN_DIGITS = 8  # the shortest: a +CC phone number
_MAX_GROUPS = 6  # +98 912 123 45 67, 4111 1111 1111 1111 111: written in at most 6 groups

# Glued by these to a letter or digit, a number is part of an id (A-1042, orders/1042);
# glued to a digit, of a decimal, amount, date or time (2,500,000, 1402/05/12, 10:30).
_ID_JOINERS = "-_/#"
_NUMBER_JOINERS = "/.,:\u066b\u066c"
_CURRENCY_AFTER = re.compile(
    r"\s*(?:تومان|تومن|ریال|هزار|میلیون|میلیارد|toman|rial|irr|irt|usd|eur|dollar|euro|[$€£])"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:[$€£]|\b(?:usd|eur|irr|irt))\s*$", re.IGNORECASE)
# "order 6037...": a checksum match right after an id label is that id, not a card.
_ID_WORDS = (
    r"(?:order|tracking|track|ref|reference|invoice|receipt|transaction|shipment|parcel"
    r"|ticket|سفارش|رهگیری|پیگیری|فاکتور|رسید|تراکنش|بارنامه|مرسوله|تیکت)"
)
_QUALIFIER = r"(?:\s+(?:پستی|مرسوله|بسته|بانکی|تراکنش|سفارش))?"
_ID_LABEL = re.compile(
    rf"{_ID_WORDS}{_QUALIFIER}\s*(?:id|no\.?|number|code|شماره|کد)?{_QUALIFIER}\s*[:#]?\s*$",
    re.IGNORECASE,
)
# With an id noun ("order number", «شماره پیگیری», «کد رهگیری پستی») the label is explicit
# enough that even a phone-shaped number after it is that id; a bare «پیگیری:» is not.
_ID_NOUN_LABEL = re.compile(
    rf"(?:{_ID_WORDS}{_QUALIFIER}\s*(?:id|no\.?|number|code|#|شماره|کد)"
    rf"|(?:شماره|کد)\s*{_ID_WORDS}){_QUALIFIER}\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _overlaps(found: list[Found], start: int, end: int) -> bool:
    """`found` is sorted and disjoint: only the last item starting before `end` can."""
    i = bisect.bisect_left(found, end, key=lambda f: f.start)
    return i > 0 and found[i - 1].end > start


def _iban_end(match: re.Match[str]) -> int | None:
    """The longest prefix, cut between groups, that is a valid IBAN (the match may have
    run into the next word)."""
    candidate = match.group()
    ends = [k for k in range(len(candidate), 0, -1) if k == len(candidate) or candidate[k] in " -"]
    if len(candidate) == 34 + candidate.count(" ") + candidate.count("-"):
        tail = match.string[match.end() : match.end() + 1]
        if tail.isalnum():  # cut off mid-token: not an IBAN
            ends = ends[1:]
    for k in ends:
        compact = re.sub("[ -]", "", candidate[:k]).upper()
        if _valid_iban(compact):
            return match.start() + k
    return None


def _valid_iban(compact: str) -> bool:
    if not 15 <= len(compact) <= 34 or (compact.startswith("IR") and len(compact) != 26):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _numbers_in_run(text: str, run: re.Match[str]) -> list[Found]:
    """Left to right, the longest reading of consecutive groups that is personal data."""
    plus = run.group().startswith("+")
    groups = [
        (run.start() + m.start(), run.start() + m.end()) for m in _GROUP.finditer(run.group())
    ]
    last = len(groups) - 1
    head_blocked = _glued_before(text, run.start())
    tail_blocked = _glued_after(text, run.end())
    before = text[max(0, run.start() - 40) : run.start()]
    labelled = bool(_ID_LABEL.search(before))
    id_noun = not plus and bool(_ID_NOUN_LABEL.search(before))
    found: list[Found] = []
    i = 0
    while i <= last:
        readings: list[tuple[int, str, list[int]]] = []  # (last group, digits, group sizes)
        if not (i == 0 and head_blocked):
            number, sizes = "", []
            for j in range(i, min(last, i + _MAX_GROUPS - 1) + 1):
                number += text[groups[j][0] : groups[j][1]]
                sizes.append(groups[j][1] - groups[j][0])
                if len(number) > _MAX_DIGITS:
                    break
                if len(number) >= _MIN_DIGITS and not (j == last and tail_blocked):
                    readings.append((j, number, sizes.copy()))
        for j, number, sizes in reversed(readings):  # the longest reading wins
            if i == 0 and id_noun:
                break  # the run opens with the labelled id: none of its readings is personal
            kind = _kind(number, sizes, first=i == 0, plus=plus, labelled=labelled)
            if kind:
                start = run.start() if plus and i == 0 else groups[i][0]
                end = groups[j][1]
                if start > 0 and text[start - 1] == "(" and ")" in text[start:end]:
                    start -= 1
                found.append(Found(kind, start, end))
                i = j
                break
        i += 1
    return found


def _kind(number: str, sizes: list[int], *, first: bool, plus: bool, labelled: bool) -> Kind | None:
    """What the digits of groups `sizes` form; `first`: they open the run (which may
    start with `+`, or follow an order label)."""
    if _is_phone(number, plus=plus and first, first=first):
        return "phone"
    if (plus or labelled) and first:
        return None
    if _is_card(number, sizes):
        return "card"
    if _is_national_id(number, sizes):
        return "national-id"
    return None


# Mobile 9xx, or area code + 8 digits; after 0, 0098 or +98.
_IRAN_PHONE = re.compile("(?:0098|0)(?:9[0-9]{9}|[1-8][0-9]{9})")
_INTERNATIONAL = re.compile("00[1-9][0-9]{8,12}")  # 00 + CC, as dialled from Iran


def _is_phone(number: str, *, plus: bool, first: bool) -> bool:
    if plus:  # +98 912 ..., or any +CC number (E.164: at most 15 digits)
        return 8 <= len(number) <= 15 and number[0] != "0"
    if _IRAN_PHONE.fullmatch(number):
        return True
    # 00 + CC only opening a run, not mid-way through other digits.
    return first and _INTERNATIONAL.fullmatch(number) is not None


def _is_card(number: str, sizes: list[int]) -> bool:
    grouped = len(sizes) == 1 or (sizes[0] == 4 and all(3 <= s <= 6 for s in sizes[1:]))
    return 13 <= len(number) <= 19 and number[0] != "0" and grouped and _luhn(number)


def _luhn(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _is_national_id(number: str, sizes: list[int]) -> bool:
    if len(number) != 10 or sizes not in ([10], [3, 6, 1]) or len(set(number)) == 1:
        return False
    remainder = sum(int(number[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(number[9]) == check


def _glued_before(text: str, start: int) -> bool:
    """The run continues an id (A1042, A-1042, #1042), a decimal or date, or an amount."""
    if start == 0:
        return False
    before = text[start - 1]
    if _ascii_word(before) or before == "#":
        return True
    if start >= 2 and _joined(before, text[start - 2]):
        return True
    return bool(_CURRENCY_BEFORE.search(text[max(0, start - 8) : start]))


def _glued_after(text: str, end: int) -> bool:
    if end == len(text):
        return False
    after = text[end]
    if _ascii_word(after):
        return True
    if end + 1 < len(text) and _joined(after, text[end + 1]):
        return True
    return bool(_CURRENCY_AFTER.match(text, end))


def _joined(joiner: str, neighbour: str) -> bool:
    """`neighbour` + `joiner` (either order) next to a run makes the run part of more."""
    if joiner in _NUMBER_JOINERS and neighbour.isdigit():
        return True
    return joiner in _ID_JOINERS and _ascii_word(neighbour)


def _ascii_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")
