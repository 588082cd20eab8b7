"""An agent's sent reply turned into a shareable snippet: `to_snippet(text, customer)`.

The customer's own data goes back into data slots (their name → `{{customer_name}}`, each
known context value → `{{key}}`), ids recognised by their label ("order A-1042",
«کد رهگیری ۱۲۳...») become the slot the playbooks use, and personal data that is not the
customer's known context (`pii.find`) is reported in `personal`, for the caller to refuse.

Matching compares a per-character `normalise()` of the text (case, Arabic/Persian letter
variants, digits, diacritics and bidi marks folded) but replaces spans of the original, so
what is kept reads exactly as written. Existing `{{..}}` / `[[..]]` slots are never touched.
Values are matched literally (escaped) and slots are spliced in: nothing is formatted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from assist.core import pii
from assist.core.render import customer_context
from assist.core.text import normalise


@dataclass(frozen=True)
class Personal:
    """Personal data to refuse: `start`/`end` index the text given to `to_snippet`."""

    kind: pii.Kind
    masked: str  # the value with all but its last 4 characters starred (email: a***@domain)
    start: int
    end: int


@dataclass(frozen=True)
class Slotified:
    text: str  # the snippet: the reply with the customer's data turned into slots
    replaced: list[tuple[str, str]]  # (slot name, original text), in text order
    personal: list[Personal]  # in text order; non-empty means the snippet must be refused

    @property
    def ok(self) -> bool:
        return not self.personal


NAME_SLOT = "customer_name"
_NAME_KEYS = frozenset({"name", "customer_name", "full_name", "first_name", "last_name"})
_SLOT_NAME = re.compile(r"[a-z][a-z0-9_]*")
_EXISTING_SLOT = re.compile(r"\{\{.*?\}\}|\[\[.*?\]\]")
_TITLES = frozenset(
    "mr mrs ms miss dr sir madam آقای آقا خانم جناب سرکار دکتر مهندس سید سیده حاج".split()
)
_MIN_VALUE_CHARS = 3  # "fa", "en", "1": too short to be anyone's data
_MIN_DIGITS_ONLY = 4  # a bare number of 3 digits is a quantity far more often than an id


def to_snippet(text: str, customer: Mapping[str, object] | None) -> Slotified:
    """`text` with the customer's data as slots; what may not be shared in `personal`.

    Precedence, first claim wins: personal data (`pii.find`; the slot of an equal context
    value, else refused), context values (longest first), the name and its parts,
    labelled ids. Keys that are not slot names (`[a-z][a-z0-9_]*`) are never slots."""
    folded = _Folded(text)
    protected = [(m.start(), m.end()) for m in _EXISTING_SLOT.finditer(text)]
    context = customer_context(customer)
    taken: list[tuple[int, int]] = list(protected)
    replacements: list[tuple[int, int, str]] = []
    personal: list[Personal] = []

    def take(start: int, end: int, slot: str) -> None:
        if not any(start < b and a < end for a, b in taken):
            taken.append((start, end))
            replacements.append((start, end, slot))

    slotted = _slot_values(customer, context)
    # Personal data first: a name inside an email address belongs to the address.
    for item in pii.find(text):
        slot = _context_slot(item.kind, text[item.start : item.end], slotted)
        inside_slot = any(item.start < b and a < item.end for a, b in protected)
        if slot and not inside_slot:
            take(item.start, item.end, slot)
        else:
            personal.append(_personal(item, text))
            taken.append((item.start, item.end))
    for slot, pattern in _value_patterns(slotted):
        for start, end in folded.find(pattern):
            take(start, end, slot)
    for pattern, wordlike in _name_patterns(customer, context):
        for start, end in folded.find(pattern):
            if not wordlike or _is_address(text, start, end):
                take(start, end, NAME_SLOT)
    for start, end, slot in _labelled_ids(folded.text, _MIN_DIGITS_ONLY):
        take(*folded.span(start, end), slot)

    replacements.sort()
    out, last = [], 0
    for start, end, slot in replacements:
        out += [text[last:start], "{{", slot, "}}"]
        last = end
    out.append(text[last:])
    replaced = [(slot, text[start:end]) for start, end, slot in replacements]
    return Slotified("".join(out), replaced, sorted(personal, key=lambda p: p.start))


# ------------------------------------------------------------------ folding


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char == "\u200c":
        return char  # ZWNJ separates words ("سارا‌جان"), so it is kept for boundaries
    if char.isspace():
        return " "
    return normalise(char)  # "" for diacritics, tatweel and bidi marks


class _Folded:
    """`text` folded character by character, with each folded character's source index."""

    def __init__(self, text: str) -> None:
        parts, source = [], []
        for i, char in enumerate(text):
            piece = _fold_char(char)
            parts.append(piece)
            source += [i] * len(piece)
        self.text = "".join(parts)
        self.original = text
        self.source = source

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded `start:end`, with trailing diacritics included."""
        first, stop = self.source[start], self.source[end - 1] + 1
        while stop < len(self.original) and _is_mark(self.original[stop]):
            stop += 1
        return first, stop

    def find(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [self.span(m.start(), m.end()) for m in pattern.finditer(self.text) if m.group()]


def _is_mark(char: str) -> bool:
    return char not in "\u200c " and not char.isspace() and _fold_char(char) == ""


def _fold(value: str) -> str:
    return "".join(_fold_char(c) for c in value).strip()


# A value starts and ends at word edges, and not where a joiner glues it to more
# (A-1042 is not 1042; 1,042 is not 042; sara@x.com is not sara).
_BEFORE = r"(?<!\w)(?<!\w[-_/#.@+])"
_AFTER = r"(?!\w)(?![-_/.@,:]\w)"


def _literal(folded: str, *, spaces: str) -> str:
    """A pattern for folded text: optional ZWNJ between letters; spaces as `spaces`."""
    pieces = []
    for char in folded:
        if char == " ":
            pieces.append(spaces)
        elif char == "\u200c":
            pieces.append("[\\s\u200c]*")
        else:
            if pieces and pieces[-1] not in (spaces, "[\\s\u200c]*"):
                pieces.append("\u200c?")
            pieces.append(re.escape(char))
    return _BEFORE + "".join(pieces) + _AFTER


# ------------------------------------------------------------------ context values


def _slot_values(
    customer: Mapping[str, object] | None, context: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(slot, value) for each customer key that names a slot; names under NAME_SLOT."""
    pairs = []
    for key in customer or {}:
        if key in context and _SLOT_NAME.fullmatch(key):
            pairs.append((NAME_SLOT if key in _NAME_KEYS else key, context[key]))
    return pairs


def _value_patterns(slotted: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    """Non-name values long enough to be someone's data, longest first."""
    patterns = []
    for slot, value in slotted:
        folded = _fold(value)
        compact = re.sub(r"[\s\u200c]", "", folded)
        if slot == NAME_SLOT or len(compact) < _MIN_VALUE_CHARS:
            continue
        if compact.isdigit() and len(compact) < _MIN_DIGITS_ONLY:
            continue
        patterns.append((len(compact), slot, re.compile(_literal(folded, spaces="[\\s\u200c]+"))))
    return [(slot, p) for _, slot, p in sorted(patterns, key=lambda t: -t[0])]


def _name_patterns(
    customer: Mapping[str, object] | None, context: Mapping[str, str]
) -> list[tuple[re.Pattern[str], bool]]:
    """The full name, then each part (a title dropped), longest first; a part that is
    also a common word ("Will", «آرزو») is flagged, to be matched only when addressed."""
    names = [context[k] for k in customer or {} if k in _NAME_KEYS and k in context]
    found: dict[str, bool] = {}
    for name in names:
        parts = [p for p in _fold(name).split() if p.strip(".") not in _TITLES]
        candidates = [" ".join(parts)] + (parts if len(parts) > 1 else [])
        for candidate in candidates:
            letters = sum(c.isalpha() for c in candidate)
            if letters >= 2 and candidate not in found:
                found[candidate] = " " not in candidate and candidate in _WORDLIKE_NAMES
    ordered = sorted(found, key=lambda c: -len(c))
    return [(re.compile(_literal(c, spaces="[\\s\u200c]*")), found[c]) for c in ordered]


def _context_slot(kind: pii.Kind, value: str, slotted: list[tuple[str, str]]) -> str | None:
    """The slot of the context value that is the same `kind` of data as `value`."""
    wanted = _canonical(kind, value)
    for slot, known in slotted:
        if slot != NAME_SLOT and wanted and _canonical(kind, known) == wanted:
            return slot
    return None


def _canonical(kind: pii.Kind, value: str) -> str:
    ascii_value = value.translate(_DIGITS).strip()
    if kind == "email":
        return ascii_value.casefold()
    compact = re.sub(r"[^0-9A-Za-z]", "", ascii_value).upper()
    if kind == "phone":  # +98 912..., 0098 912..., 0912... are one number
        compact = re.sub(r"^(?:0098|98(?=9\d{9}$)|00|0)", "", compact)
    return compact


_DIGITS = str.maketrans(
    {**{0x06F0 + i: str(i) for i in range(10)}, **{0x0660 + i: str(i) for i in range(10)}}
)


# ------------------------------------------------------------------ refusals


def _personal(item: pii.Found, text: str) -> Personal:
    return Personal(item.kind, _mask(item.kind, text[item.start : item.end]), item.start, item.end)


def _mask(kind: pii.Kind, value: str) -> str:
    """Enough for the agent to see which value was meant, not enough to repeat it."""
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    keep_head = 2 if kind == "iban" else 0  # the country code says which bank system
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    visible = set(positions[:keep_head] + positions[-4:])
    return "".join(c if i in visible or not c.isalnum() else "*" for i, c in enumerate(value))


# ------------------------------------------------------------------ ids by their label

# Labels are matched in folded text (lower case, ASCII digits, ی/ک unified, ZWNJ kept).
_EN_NOUN = r"(?:\s+(?:id|no\.?|number|num|ref(?:erence)?|code))?"
_FA_OWNER = "(?:\u200c?(?:تان|ت|شان|ش|مان|م))?(?:\\s+شما)?"
_FA_NOUN = r"(?:\s+(?:با\s+)?(?:شماره|کد|شناسه))?"
_LABELS: list[tuple[str, str]] = [
    ("order_id", rf"order{_EN_NOUN}|(?:(?:شماره|کد)\s+)?سفارش{_FA_OWNER}{_FA_NOUN}"),
    (
        "tracking_number",
        rf"(?:tracking|track|waybill|consignment|shipment|parcel|awb){_EN_NOUN}"
        rf"|(?:(?:کد|شماره)\s+)?رهگیری(?:\s+(?:پستی|مرسوله|بسته|سفارش))?{_FA_OWNER}"
        r"|بارنامه|مرسوله",
    ),
    ("pay_or_track", rf"(?:کد|شماره)\s+پیگیری(?:\s+(?:بانکی|تراکنش|پرداخت))?{_FA_OWNER}"),
    (
        "transaction_id",
        rf"(?:transaction|txn|transfer|withdrawal){_EN_NOUN}"
        r"|(?:payment|refund|bank|deposit)\s+(?:id|ref(?:erence)?|number|no\.?|code)"
        rf"|(?:تراکنش|واریز|انتقال|برداشت){_FA_NOUN}|(?:شماره|کد)\s+(?:مرجع|ارجاع)"
        r"|شناسه\s+(?:پرداخت|تراکنش)",
    ),
    (
        "ticket_id",
        rf"(?:ticket|case|complaint|incident){_EN_NOUN}|request\s+(?:id|no\.?|number)"
        rf"|(?:(?:شماره|کد)\s+)?(?:تیکت|پرونده|شکایت){_FA_NOUN}|درخواست\s+شماره"
        r"|(?:شماره|کد)\s+درخواست",
    ),
    (
        "booking_ref",
        rf"(?:booking|reservation|pnr){_EN_NOUN}|(?:(?:کد|شماره)\s+)?(?:رزرو|بلیط|بلیت){_FA_NOUN}",
    ),
    ("flight_number", rf"flight(?:\s+(?:no\.?|number))?|پرواز{_FA_NOUN}"),
    (
        "card_last4",
        "(?:card\\s+)?ending(?:\\s+(?:in|with))?"
        "|(?:چهار|4)\\s+رقم\\s+(?:[آا]خر|پایانی)(?:\u200c?ا?ش)?(?:\\s+کارت(?:\u200c?(?:تان|ت))?)?",
    ),
]
_LABEL = re.compile(
    "|".join(f"(?P<{slot}>{label})" for slot, label in _LABELS).join(
        [r"(?<![^\W\d_])(?:", r")(?![^\W\d])"]
    )
)
_JOIN = r"\s*(?:(?:is|was|=)\s+)?[:#=]?\s*"
_ID = re.compile(_JOIN + r"(?P<id>[a-z0-9](?:[a-z0-9]|[-_](?=[a-z0-9]))*)")
_FLIGHT = re.compile(_JOIN + r"(?P<id>(?=[a-z]|\d[a-z])[a-z0-9]{2}\s?\d{1,4})(?!\w)")
_LAST4 = re.compile(_JOIN + r"(?P<id>\d{4})(?!\w)")
_MARKED = re.compile(r"#|:|\b(?:id|no|number|num)\b|شماره|کد|شناسه")
# What follows a number that is a quantity, an amount, a date or a decimal, not an id.
_NOT_ID_AFTER = re.compile(
    r"[/.,:]\w|\s*(?:%|units?|items?|pieces?|pcs|more|times|copies|tomans?|rials?|irr|irt"
    r"|usd|eur|dollars?|euros?|percent|hours?|days?|minutes?|mins?|seconds?|kg"
    r"|عدد|تا|تومان|تومن|ریال|هزار|میلیون|میلیارد|ساعت|روز|دقیقه|ثانیه|بار|قلم|درصد|کیلو)(?!\w)"
)
_NEXT_GROUP = re.compile(r"[ \u00a0]\d{2,4}(?!\w)")


def _id_end(folded: str, end: int, *, grouped: bool) -> int | None:
    """Where the id ends: a number written in groups ("9400 1118 9922 ...") takes its
    groups, short of any that a unit or amount follows; None if nothing is an id."""
    ends = [end]
    while grouped and (group := _NEXT_GROUP.match(folded, ends[-1])):
        ends.append(group.end())
    return next((e for e in reversed(ends) if not _NOT_ID_AFTER.match(folded, e)), None)


_PAYMENT_BEFORE = re.compile(r"تراکنش|واریز|انتقال|پرداخت|بانک|برداشت|transfer|payment|transaction")


def _labelled_ids(folded: str, min_digits: int) -> list[tuple[int, int, str]]:
    """(start, end, slot) of each id right after its label, in folded-text positions."""
    found: list[tuple[int, int, str]] = []
    position = 0
    while label := _LABEL.search(folded, position):
        # Labels may overlap («انتقال با شماره پیگیری ۱۲۳»): on a miss, look again one further.
        position = label.start() + 1
        slot = label.lastgroup or ""
        shape = {"flight_number": _FLIGHT, "card_last4": _LAST4}.get(slot, _ID)
        match = shape.match(folded, label.end())
        if not match or (found and match.start("id") < found[-1][1]):
            continue
        ident = match.group("id")
        digits = sum(c.isdigit() for c in ident)
        marked = bool(_MARKED.search(label.group() + folded[label.end() : match.start("id")]))
        if (
            digits == 0
            or len(ident) < 3
            or (ident.isdigit() and digits < min_digits and not marked)
        ):
            continue
        end = _id_end(folded, match.end(), grouped=ident.isdigit() and len(ident) == 4)
        if end is None:
            continue
        if slot == "pay_or_track":  # «کد پیگیری»: a parcel's, unless a payment is in view
            nearby = folded[max(0, label.start() - 40) : match.start("id")]
            slot = "transaction_id" if _PAYMENT_BEFORE.search(nearby) else "tracking_number"
        found.append((match.start("id"), end, slot))
        position = end
    return found


# ------------------------------------------------------------------ names that are words

# A name part that is also a common word is replaced only where the customer is addressed:
# "Will, ..." / "..., Will." / "Hi Will" (capitalised), «آرزو جان» / «خانم آرزو».
_WORDLIKE_NAMES = frozenset(
    """
    will mark bill may june april august hope faith grace joy rose amber jade ruby pearl
    dawn summer autumn winter sky rain river chase hunter rich frank guy max ray sunny
    victor miles pat sue art don gene jack jean lily iris violet daisy holly ivy crystal
    honey angel star king young white black brown green stone hill wood little long love
    bell page price cash gold silver law best
    آرزو امید شادی بهار مهر ستاره نسیم صبا باران آسمان دریا روشن نور گل ماه خورشید شیرین
    پاییز مهتاب فرشته الهام پیام یاس سحر عزیز جان گرامی مهربان ناز شاد نیک سپیده آرام
    """.split()
)
_GREETING_BEFORE = re.compile(
    r"(?:hi|hello|hey|dear|thanks|thank you|mr\.?|mrs\.?|ms\.?|miss|dr\.?|سلام|درود|خانم"
    r"|آقای|آقا|جناب|سرکار|دکتر|مهندس|ممنون|متشکرم|مرسی)[\s,،]*$",
    re.IGNORECASE,
)
_VOCATIVE_AFTER = re.compile("\\s*[,،!]|[\\s\u200c]*(?:عزیز|جان|گرامی|خانم)(?!\\w)")
_CLOSING_AFTER = re.compile(r"\s*(?:[.!?؟]|$)")


def _is_address(text: str, start: int, end: int) -> bool:
    if text[start].isascii() and not text[start].isupper():
        return False  # "I will call": a lower-case English word is the word
    before = text[max(0, start - 24) : start]
    if _GREETING_BEFORE.search(before) or _VOCATIVE_AFTER.match(text, end):
        return True
    return bool(re.search(r"[,،]\s*$", before) and _CLOSING_AFTER.match(text, end))
