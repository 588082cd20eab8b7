"""How much of the draft is template text, and whether anything in it is the agent's own.

Every wording of the index is read once (per index) into a word sequence in which a
`{{data}}` slot is one placeholder and a `[[human]]` slot is its hint's words. A draft is
compared with the nearest wordings (found by IDF-weighted word overlap, or named by the
suggestion id) by aligning the two word sequences (difflib). What the alignment leaves
over is sorted: the customer's data put into a data slot, the hint pasted as is, filler
("we are checking it") or the agent's own words. Seed 000: templates should exist, but a
draft that only recites one sounds like a recorded message.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.index import Index
from ..core.linear import PerArray
from ..core.render import SLOT
from ..core.text import normalise
from .aligned import Aligned
from .words import is_filler

DATA = "\x00data"  # a data slot in a wording's word sequence: matches no draft word
_WORD = re.compile(r"\w+")
CANDIDATES = 6  # nearest wordings aligned in full
VERBATIM_RECITAL = 0.8
VERBATIM_COVERAGE = 0.6
VERBATIM_PERSONAL = 2
VERBATIM_MATCHED = 6  # template words the draft must repeat to be a recital (or all of them)


@dataclass(frozen=True)
class Wording:
    key: str  # entry/reply/lang/variant
    entry_id: str
    lang: str
    words: tuple[str, ...]  # fixed words, hint words, DATA placeholders
    kinds: tuple[str, ...]  # "fixed" | "hint" | "data", per word
    fixed: frozenset[str]


@dataclass(frozen=True)
class Tables:
    wordings: tuple[Wording, ...]
    by_key: dict[str, int]
    postings: dict[str, tuple[int, ...]]  # word -> wordings holding it as fixed text
    idf: dict[str, float]
    weight: tuple[float, ...]  # sum of idf over each wording's fixed words


_TABLES: PerArray[Tables] = PerArray()


def tables_for(index: Index) -> Tables:
    """Built once per served index (a reload or a snippet change brings new entries)."""
    return _TABLES.get(index.entries, lambda: _build(index))


def _build(index: Index) -> Tables:
    wordings = []
    for entry in index.entries.values():
        for reply in entry.replies:
            for lang in ("en", "fa"):
                for v, template in enumerate(reply.get(lang)):
                    words, kinds = _sequence(template)
                    fixed = frozenset(w for w, k in zip(words, kinds, strict=True) if k == "fixed")
                    key = f"{entry.id}/{reply.id}/{lang}/{v}"
                    wordings.append(Wording(key, entry.id, lang, words, kinds, fixed))
    postings: dict[str, list[int]] = defaultdict(list)
    for i, wording in enumerate(wordings):
        for word in wording.fixed:
            postings[word].append(i)
    n = max(1, len(wordings))
    idf = {w: math.log(1 + n / len(ids)) for w, ids in postings.items()}
    weight = tuple(sum(idf[w] for w in x.fixed) or 1.0 for x in wordings)
    return Tables(
        tuple(wordings),
        {w.key: i for i, w in enumerate(wordings)},
        {w: tuple(ids) for w, ids in postings.items()},
        idf,
        weight,
    )


def _sequence(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words: list[str] = []
    kinds: list[str] = []
    last = 0
    for m in SLOT.finditer(template):
        literal = _literal_words(template[last : m.start()])
        words += literal
        kinds += ["fixed"] * len(literal)
        if m.group(1) is not None:
            words.append(DATA)
            kinds.append("data")
        else:
            hint = _WORD.findall(normalise(m.group(2)))
            words += hint
            kinds += ["hint"] * len(hint)
        last = m.end()
    literal = _literal_words(template[last:])
    return tuple(words + literal), tuple(kinds + ["fixed"] * len(literal))


def _literal_words(text: str) -> list[str]:
    """A template's fixed words; a number in it ("5 business days") is compared as data,
    as the draft's numbers are."""
    return [DATA if any(c.isdigit() for c in w) else w for w in _WORD.findall(normalise(text))]


@dataclass(frozen=True)
class Recital:
    wording: Wording | None
    recital: float  # share of the draft's words that are template text (0..1)
    personal_words: int
    matched: int  # the wording's fixed words found, in order, in the draft
    coverage: float  # matched / the wording's fixed words
    own: tuple[int, ...]  # draft token numbers that are the agent's own words
    aligned: int = 0  # draft words aligned with the wording's words
    fixed_total: int = 0  # the wording's fixed words

    @property
    def verbatim(self) -> bool:
        """Most of a wording (or a draft that is mostly a wording), and at most a couple
        of words that say something of the agent's own."""
        return (
            self.wording is not None
            and self.matched >= min(VERBATIM_MATCHED, self.fixed_total)
            and (self.coverage >= VERBATIM_COVERAGE or self.recital >= VERBATIM_RECITAL)
            and self.personal_words <= VERBATIM_PERSONAL
        )


def measure(
    draft: Aligned,
    index: Index,
    *,
    suggestion_id: str | None = None,
    customer: Mapping[str, object] | None = None,
    slot_spans: tuple[tuple[int, int], ...] = (),
) -> Recital:
    """The draft against its nearest wording (the suggested one among the candidates)."""
    tables = tables_for(index)
    tokens = draft.tokens
    words = [t.text for t in tokens]
    in_slot = [any(a <= t.start < b for a, b in slot_spans) for t in tokens]
    data = _data_words(draft, _customer_words(customer))
    sequence, owner = _as_sequence(words, in_slot, data)
    candidates = _nearest(tables, words)
    if suggestion_id and suggestion_id in tables.by_key:
        candidates.insert(0, tables.by_key[suggestion_id])
    best: Recital | None = None
    for i in dict.fromkeys(candidates):  # once each, the suggested one first
        found = _align(tables.wordings[i], words, data, sequence, owner, in_slot)
        if best is None or _better(found, best):
            best = found
    if best is None:
        return _unmatched(words, data, in_slot)
    return best


def _better(a: Recital, b: Recital) -> bool:
    return (a.aligned, a.coverage) > (b.aligned, b.coverage)


def _nearest(tables: Tables, words: list[str]) -> list[int]:
    """Wordings sharing the most (IDF-weighted) of their fixed words with the draft."""
    present = set(words)
    scores: dict[int, float] = defaultdict(float)
    for word in present:
        weight = tables.idf.get(word)
        if weight is None:
            continue
        for i in tables.postings[word]:
            scores[i] += weight
    ranked = sorted(scores, key=lambda i: -scores[i] / tables.weight[i])
    return ranked[:CANDIDATES]


def _customer_words(customer: Mapping[str, object] | None) -> frozenset[str]:
    found: set[str] = set()
    for value in (customer or {}).values():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found.update(_WORD.findall(normalise(str(value))))
    return frozenset(found)


_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+")
# Words that go with a value: a currency, a month or weekday, a title before a name.
_WITH_VALUE = frozenset(
    """
    toman tomans tomon rial rials usd eur euro euros dollar dollars usdt btc eth gbp pound
    pounds million millions thousand k
    تومان تومن ریال دلار یورو میلیون میلیارد هزار
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان ابان آذر اذر دی بهمن اسفند
    شنبه یکشنبه دوشنبه سهشنبه چهارشنبه پنجشنبه جمعه
    mr mrs ms miss dr آقای اقای خانم جناب سرکار
    """.split()
)


def _data_words(draft: Aligned, customer_words: frozenset[str]) -> list[bool]:
    """Per draft word, whether it is a value: the customer's data, a number, an email
    address or a link, or a currency, month or title next to one."""
    addresses = [(m.start(), m.end()) for m in _ADDRESS.finditer(draft.original)]
    tokens = draft.tokens
    data = [
        t.text in customer_words
        or any(c.isdigit() for c in t.text)
        or any(a <= t.start < b for a, b in addresses)
        for t in tokens
    ]
    for i, token in enumerate(tokens):
        if token.text in _WITH_VALUE and not data[i]:
            before = i > 0 and data[i - 1]
            after = i + 1 < len(tokens) and data[i + 1]
            data[i] = before or after
    return data


def _as_sequence(
    words: list[str], in_slot: list[bool], data: list[bool]
) -> tuple[list[str], list[list[int]]]:
    """The draft as the aligner sees it: a run of data (the customer's name or order,
    any number) is one DATA item, like the slot it fills; slot markup left in the draft
    is skipped. `owner[i]` lists the draft words behind item i."""
    sequence: list[str] = []
    owner: list[list[int]] = []
    for i, word in enumerate(words):
        if in_slot[i]:
            continue
        if data[i] and sequence and sequence[-1] == DATA and owner[-1][-1] == i - 1:
            owner[-1].append(i)
            continue
        sequence.append(DATA if data[i] else word)
        owner.append([i])
    return sequence, owner


def _align(
    wording: Wording,
    words: list[str],
    data: list[bool],
    sequence: list[str],
    owner: list[list[int]],
    in_slot: list[bool],
) -> Recital:
    matcher = difflib.SequenceMatcher(None, sequence, list(wording.words), autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    template = [False] * len(words)
    matched = 0
    for block in blocks:
        lone = block.size == 1
        if lone and sequence[block.a] == DATA:
            continue  # a number alone matching a slot says nothing
        if lone and is_filler(sequence[block.a]) and not _lone_match_fits(block, blocks):
            continue  # "you" or "the" in the same order is no recital
        for k in range(block.size):
            for i in owner[block.a + k]:
                template[i] = True
            matched += wording.kinds[block.b + k] == "fixed"
    own = tuple(i for i in range(len(words)) if not (template[i] or in_slot[i]))
    return _result(wording, words, data, own, matched, sum(template))


def _result(
    wording: Wording | None,
    words: list[str],
    data: list[bool],
    own: tuple[int, ...],
    matched: int,
    aligned: int,
) -> Recital:
    # A number or the customer's data the agent added is not template text, but it is
    # not a personal word either (it fills a slot the template did not have).
    personal = sum(1 for i in own if not (is_filler(words[i]) or data[i]))
    fixed_total = (sum(1 for k in wording.kinds if k == "fixed") if wording else 0) or 1
    recital = (len(words) - len(own)) / len(words) if words else 0.0
    return Recital(
        wording,
        round(recital, 4),
        personal,
        matched,
        matched / fixed_total,
        own,
        aligned,
        fixed_total,
    )


def _unmatched(words: list[str], data: list[bool], in_slot: list[bool]) -> Recital:
    own = tuple(i for i in range(len(words)) if not in_slot[i])
    return _result(None, words, data, own, 0, 0)


def _lone_match_fits(block: difflib.Match, blocks: list[difflib.Match]) -> bool:
    """A single matched word counts when it sits between two matched stretches with at
    most one word changed on either side ("I'm so sorry" for "I'm really sorry")."""
    i = blocks.index(block)
    before = blocks[i - 1] if i > 0 else None
    after = blocks[i + 1] if i + 1 < len(blocks) else None
    if before is None or after is None:
        return False
    return (
        block.a - (before.a + before.size) <= 1
        and block.b - (before.b + before.size) <= 1
        and after.a - (block.a + block.size) <= 1
        and after.b - (block.b + block.size) <= 1
    )
