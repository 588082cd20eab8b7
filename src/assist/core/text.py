"""Text handling shared by the index and the query path: normalise, detect language, split.

One `normalise()` serves both sides so they cannot drift. It is for matching only; what
people read (replies, examples shown as `why`) keeps its original spelling.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Literal

# Bump when normalise() changes: it is part of every embedding-cache key and manifest.
NORMALISER_VERSION = 1

Script = Literal["fa", "en", "mixed"]

_CHAR_MAP = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ؤ": "و",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "،": ",",
        "؛": ";",
        "؟": "?",
        "٪": "%",
        "«": '"',
        "»": '"',
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)
# Harakat, superscript alef, Quranic marks, tatweel; ZWNJ/ZWJ, bidi controls, BOM, soft hyphen.
_DROP = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
    "\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]"
)
# ZWNJ is dropped above, so "می‌خوام" becomes "میخوام", the way most customers type it;
# the spaced spellings "می خوام" and "کتاب ها" are joined to the same form.
_PREFIX_SPACE = re.compile(r"(?<![\w])(ن?می) (?=[\u0600-\u06ff])")
_SUFFIX_SPACE = re.compile(r"(?<=[\u0600-\u06ff]) (ها|های|هایی|هایم|هایت|هایش|تر|ترین)(?!\w)")
_PERSIAN_RUN = re.compile(r"([\u0600-\u06ff])\1{2,}")  # "خیلییییی" → "خیلی"
_LATIN_RUN = re.compile(r"([a-z])\1{2,}")  # "sooooo" → "soo"
_PUNCT_RUN = re.compile(r"([!?.,;])\1+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical matching form of `text`: idempotent and total over any str."""
    s = unicodedata.normalize("NFKC", text).casefold()
    s = unicodedata.normalize("NFKC", s).translate(_CHAR_MAP)
    s = _DROP.sub("", s)
    s = _CONTROL.sub(" ", s)
    s = _SPACE.sub(" ", s).strip()
    s = _PREFIX_SPACE.sub(r"\1", s)
    s = _SUFFIX_SPACE.sub(r"\1", s)
    s = _PERSIAN_RUN.sub(r"\1", s)
    s = _LATIN_RUN.sub(r"\1\1", s)
    return _PUNCT_RUN.sub(r"\1", s)


_WORDS = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Word tokens of the normalised text (punctuation dropped)."""
    return _WORDS.findall(normalise(text))


# Common Finglish (Persian typed in Latin letters) words; two or more of them mark
# a Persian speaker, who should get Persian replies.
_FINGLISH = frozenset(
    """
    salam mersi merci mamnoon mamnun mikham mikhastam mikhay nemikham chera chi chetori
    kojast koja kojaye hanooz hanuz sefaresh sefareshm sefaresham pool poolam pulam
    kharid kharidam lotfan lotfn tamas begirid begir nashode nashod nareside nemishe
    mishe shode dige dobare chand bar baram man shoma ke ham kheili kheyli khaili ro ra
    hast nist bood vaghean vaghan pas kardam kardin kard ye yek ta ya bayad hesab
    hesabam ramz ersal
    """.split()
)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_LETTERS_ONLY = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[A-Za-z]+")


def detect_script(text: str) -> Script:
    """fa / en / mixed by the letters used; no letters at all counts as mixed."""
    fa = len(_ARABIC_LETTERS_ONLY.findall(text))
    en = len(_LATIN_LETTER.findall(text))
    total = fa + en
    if total == 0:
        return "mixed"
    share = fa / total
    if share >= 0.8:
        return "fa"
    if share <= 0.2:
        return "en"
    return "mixed"


def is_finglish(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    hits = sum(1 for w in words if w in _FINGLISH)
    return hits >= 2 and hits >= 0.3 * len(words)


def reply_language(text: str) -> Literal["fa", "en"]:
    """The language to answer in: Persian script anywhere, or Finglish, means Persian.

    An English speaker rarely types Persian letters, while Persian speakers mix in
    English product words all the time ("اپ crash میکنه").
    """
    script = detect_script(text)
    if script in ("fa", "mixed") and _ARABIC_LETTER.search(text):
        return "fa"
    return "fa" if is_finglish(text) else "en"


_SENTENCE_END = re.compile(
    r"(?<=[.!?؟;؛])\s+|\s*\n\s*|(?<=[?؟])(?=[^\s?؟!.])|\s+(?=(?:\d|[۰-۹])[).]\s)"
)
_QUESTION_MARK = re.compile(r"[?؟]\s*$")
_QUESTION_START = re.compile(
    r"^(how|what|when|where|why|who|which|can|could|would|will|is|are|do|does|did|should|"
    r"چطور|چطوری|چگونه|چرا|کی|کجا|چه|چی|چند|آیا|میشه|می‌شه|میتونم|می‌تونم|امکانش)\b",
    re.IGNORECASE,
)
# Words customers use to start a second, separate question.
_NEW_TOPIC = re.compile(
    r"^(also|and also|another question|one more thing|btw|by the way|plus|secondly|second|"
    r"ضمنا|ضمناً|راستی|همچنین|یه سوال دیگه|یک سوال دیگر|سوال دوم|و اینکه|دوم اینکه)\b",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:\d+|[۰-۹]+)\s*[).\-:]\s*")


# A numbered item marker ("1.", "2)", "۳-") where a list can start: the text's start, a
# line start, or after a space. Digits must run 1, 2, 3 … for it to be a list, so
# "I ordered 2 items. 1 arrived" stays prose.
_NUMBER_MARK = re.compile(r"(?:(?<=\s)|^)([1-9]|[۱-۹])\s*[).\-:]\s*(?=[^\s\d۰-۹])")
_BULLET_LINE = re.compile(r"^\s*[-*•▪–]\s+(?=\S)", re.M)
_DIGIT_VALUE = {**{str(i): i for i in range(10)}, **{chr(0x6F0 + i): i for i in range(10)}}


def split_list_items(text: str) -> list[str] | None:
    """The items of a numbered ("1. … 2. …", on one line or several) or bulleted list,
    each with its marker, or None when the text is not such a list. A lead-in
    ("Three things:") goes with the first item, so it keeps its context."""
    bullets = list(_BULLET_LINE.finditer(text))
    marks = bullets if len(bullets) >= 2 else _numbered_marks(text)
    if len(marks) < 2:
        return None
    starts = [m.start() for m in marks] + [len(text)]
    items = [text[a:b].strip() for a, b in itertools.pairwise(starts)]
    lead = text[: starts[0]].strip()
    if lead:
        items[0] = f"{lead} {items[0]}"
    return [i for i in items if re.search(r"\w", _LIST_ITEM.sub("", _BULLET_LINE.sub("", i)))]


def _numbered_marks(text: str) -> list[re.Match[str]]:
    marks, expected = [], 1
    for mark in _NUMBER_MARK.finditer(text):
        if _DIGIT_VALUE[mark.group(1)] == expected:
            marks.append(mark)
            expected += 1
    return marks


def split_sentences(text: str) -> list[str]:
    parts = (p.strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if p and re.search(r"\w", p)]


def is_question(sentence: str) -> bool:
    s = _LIST_ITEM.sub("", sentence.strip())
    return bool(_QUESTION_MARK.search(s) or _QUESTION_START.match(s))


def split_questions(text: str) -> list[str]:
    """Split a message into its separate questions (each with its lead-in statements).

    A statement followed by a question stays one segment ("My order is late. Where is
    it?"); a new segment starts after a question ends, or at a new-topic cue ("also",
    «راستی») or a numbered list item. With fewer than two questions the whole message
    is one segment. A numbered or bulleted list is one segment per item, question
    marks or not ("1. card declined 2. invoice 3. reset password").
    """
    items = split_list_items(text)
    if items and len(items) >= 2:
        return items
    sentences = split_sentences(text)
    segments: list[list[str]] = []
    current: list[str] = []
    questions = 0
    for sentence in sentences:
        # `current` never holds a question: one closes the segment at once.
        current.append(sentence)
        if is_question(sentence):
            questions += 1
            segments.append(current)
            current = []
    if current:
        if segments:
            segments[-1].extend(current)  # a trailing "thanks!" belongs to the last question
        else:
            segments.append(current)
    if questions < 2 or len(segments) < 2:
        return [text.strip()]
    return [" ".join(seg) for seg in segments]
