"""`check(draft, ...)`: the agent's draft, read before it is sent. It informs; it never
blocks. Every finding has a stable code (result.CODES), a message and a hint in the
draft's language, and the span of the draft it is about.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..core.conversation import TurnLike
from ..core.embed import Embedder, truncate
from ..core.index import Index
from ..core.mood import detect_mood
from ..core.schemas import Entry, clean_text
from ..core.text import normalise, reply_language
from ..errors import InvalidMessage
from . import commitments, tone
from .aligned import Aligned, Sentence
from .messages import message_and_hint
from .recital import Recital, measure
from .result import CheckResult, Finding, Severity

MOODS = ("calm", "frustrated", "angry")
UPSET = ("frustrated", "angry")
# A `{{slot}}` or `[[hint]]`, or a bracket pair left half-deleted.
_SLOT_LEFT = re.compile(r"\{\{[^{}\n]{0,80}\}\}|\[\[[^\[\]\n]{0,300}\]\]|\{\{|\}\}|\[\[|\]\]")
REPEAT_MIN_WORDS = 4  # "Hi Sara," twice is not a parrot
REPEAT_MIN_CHARS = 10  # ... but «سلام، پیگیری می‌کنیم.» twice is
REPEAT_INSIDE_CHARS = 16  # an earlier sentence inside a longer new one
REPEAT_OVERLAP = 0.8  # share of the sentence's words in one sentence already sent
ENTRY_FROM_WORDING = 0.5  # coverage of the nearest wording that makes it the situation
TOP_UNITS = 64  # as the Suggester's search_depth
AGGREGATION_TEMPERATURE = 0.02  # as its aggregation_temperature


class _Findings:
    """Findings as they are found, each worded in the draft's language."""

    def __init__(self, lang: str):
        self.lang = lang
        self.items: list[Finding] = []

    def add(
        self, code: str, start: int, end: int, key: str | None = None, **values: object
    ) -> None:
        severity: Severity = "info" if code == "follow_up" else "warn"
        said, hint = message_and_hint(key or code, self.lang, **values)
        self.items.append(Finding(code, severity, said, start, end, hint))


class _MessageVector:
    """The customer message's vector, embedded only when something needs it."""

    def __init__(
        self,
        message: str | None,
        given: np.ndarray | None,
        embedder: Embedder | None,
        limit: int | None,
    ):
        self.message, self.vector, self.embedder, self.limit = message, given, embedder, limit

    def __call__(self) -> np.ndarray | None:
        if self.vector is None and self.message and self.embedder is not None:
            text, _ = truncate(self.embedder, normalise(self.message), self.limit)
            self.vector = np.asarray(self.embedder.embed([text], "query")[0])
        return self.vector


def check(
    draft: str,
    *,
    index: Index,
    embedder: Embedder | None = None,
    message: str | None = None,
    suggestion_id: str | None = None,
    customer: Mapping[str, object] | None = None,
    history: Sequence[TurnLike] = (),
    lang: str | None = None,
    mood: str | None = None,
    message_vector: np.ndarray | None = None,
    max_query_tokens: int | None = None,
) -> CheckResult:
    """Findings on `draft`. `message` is the customer's message it answers: its mood
    (unless `mood` is given) and, when neither the suggestion id nor the wording the
    draft recites names one, its situation come from its vector (`message_vector`, or
    `embedder` makes one when needed; without either: mood from text cues alone, and
    no situation, so time promises are not judged)."""
    started = time.perf_counter()
    text = clean_text(draft or "")
    if not normalise(text):
        raise InvalidMessage("draft is empty: send the text the agent is about to send")
    if mood is not None and mood not in MOODS:
        raise InvalidMessage(f"mood must be one of {', '.join(MOODS)}, not {mood!r}")
    aligned = Aligned(text)
    lang = lang if lang in ("fa", "en") else reply_language(text)
    message = clean_text(message).strip() if message else None
    found = _Findings(lang)

    slots = tuple((m.start(), m.end()) for m in _SLOT_LEFT.finditer(text))
    for start, end in slots:
        found.add("unfilled_slot", start, end, slot=text[start:end])
    recital = measure(
        aligned, index, suggestion_id=suggestion_id, customer=customer, slot_spans=slots
    )
    if recital.verbatim:
        found.add("verbatim", 0, len(text), recital=recital.recital)
    for sentence in _repeated(aligned, history):
        found.add("repeated", sentence.start, sentence.end)

    vector = _MessageVector(message, message_vector, embedder, max_query_tokens)
    entry = _situation(index, suggestion_id, recital, vector)
    promises = commitments.time_promises(aligned, message)
    _promises_and_tone(found, aligned, promises, entry)
    if mood is None and message:
        mood = detect_mood(message, vector(), index.mood_vectors, index.mood_labels).mood
    mood = mood or "calm"
    if mood in UPSET:
        _what_an_upset_customer_needs(found, aligned, message, customer)
    proposal = commitments.follow_up(aligned, promises, entry, customer)
    if proposal:
        hours = f"{proposal.due_in_hours:g}"
        found.add("follow_up", proposal.start, proposal.end, hours=hours, channel=proposal.channel)
    return CheckResult(
        findings=tuple(sorted(found.items, key=lambda f: (f.start, f.end, f.code))),
        recital=round(recital.recital, 3),
        personal_words=recital.personal_words,
        follow_up=proposal,
        lang=lang,
        mood=mood,
        entry_id=entry.id if entry else None,
        wording_id=recital.wording.key if recital.wording and recital.matched else None,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _promises_and_tone(
    found: _Findings,
    draft: Aligned,
    promises: list[commitments.TimeHit],
    entry: Entry | None,
) -> None:
    """over_promise, bare_refusal, blames_customer."""
    for promise in commitments.over_limit(promises, entry):
        assert entry is not None and entry.promise_limit_hours is not None
        found.add(
            "over_promise",
            promise.start,
            promise.end,
            "over_promise_time",
            promised=promise.text,
            limit=entry.promise_limit_hours,
        )
    for hit in tone.guarantees(draft):
        found.add("over_promise", hit.start, hit.end, "over_promise_guarantee", phrase=hit.text)
    refusal = tone.bare_refusal(draft)
    if refusal:
        found.add("bare_refusal", refusal.start, refusal.end)
    for hit in tone.blames(draft):
        found.add("blames_customer", hit.start, hit.end)


def _what_an_upset_customer_needs(
    found: _Findings, draft: Aligned, message: str | None, customer: Mapping[str, object] | None
) -> None:
    """Seed 004: their name, an apology, their problem said back, someone who owns it."""
    name = tone.customer_name(customer)
    if name and not tone.uses_name(draft, name):
        found.add("no_name", 0, 0, name=name)
    if not tone.apologises(draft):
        found.add("no_apology", 0, 0)
    if message and not tone.reflects(draft, message):
        found.add("no_reflection", 0, 0)
    if not tone.owns(draft):
        found.add("no_ownership", 0, 0)


def _situation(
    index: Index,
    suggestion_id: str | None,
    recital: Recital,
    vector: Callable[[], np.ndarray | None],
) -> Entry | None:
    """The entry the draft is held to: the suggestion's, else the wording the draft
    mostly recites, else the message's nearest entry."""
    if suggestion_id:
        entry = index.entries.get(suggestion_id.split("/")[0])
        if entry is not None:
            return entry
    if recital.wording is not None and recital.coverage >= ENTRY_FROM_WORDING:
        return index.entries.get(recital.wording.entry_id)
    found = vector() if len(index.units) else None
    if found is not None:
        return index.entries.get(_nearest_entry(index, found) or "")
    return None


def _nearest_entry(index: Index, vector: np.ndarray) -> str | None:
    """The message's situation as the Suggester ranks it: a soft maximum over each
    entry's nearest units (its `aggregation_temperature`), so several close examples
    beat one lucky near-duplicate (dev: 90 % of the set's situations, 85 % by the top unit)."""
    scores, ids = index.search(vector[None, :].astype(np.float32), TOP_UNITS)
    hits: dict[str, list[float]] = {}
    for similarity, unit in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
        if unit >= 0:
            hits.setdefault(index.entry_ids[int(index.unit_entry[unit])], []).append(similarity)
    t = AGGREGATION_TEMPERATURE
    best = {e: t * math.log(sum(math.exp((s - 1.0) / t) for s in sims)) for e, sims in hits.items()}
    return max(best, key=lambda e: best[e]) if best else None


def _repeated(draft: Aligned, history: Sequence[TurnLike]) -> list[Sentence]:
    """Sentences of the draft the agent already sent in this conversation: the same words
    (spacing, ZWNJ, digits and case aside), or an earlier sentence said again inside a new
    one ("As I said before, we are looking into it.")."""
    sent = [
        (frozenset(s.words), _compact(s.words))
        for turn in history
        if turn.role == "agent" and turn.text
        for s in Aligned(turn.text).sentences
    ]
    found = []
    for sentence in draft.sentences:
        words = frozenset(sentence.words)
        compact = _compact(sentence.words)
        for old_words, old_compact in sent:
            same = compact == old_compact and len(compact) >= REPEAT_MIN_CHARS
            inside = len(old_compact) >= REPEAT_INSIDE_CHARS and old_compact in compact
            overlap = min(len(words), len(old_words)) >= REPEAT_MIN_WORDS and len(
                words & old_words
            ) >= REPEAT_OVERLAP * max(len(words), len(old_words))
            if same or inside or overlap:
                found.append(sentence)
                break
    return found


def _compact(words: tuple[str, ...]) -> str:
    return "".join(words)
