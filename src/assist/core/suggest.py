"""The live pipeline: one customer message in, ranked reply suggestions out.

normalise → signals (language, mood, questions) → embed → search units → group by entry
→ rerank (similarity, mood) → skip wordings already sent in this conversation → render.
The API and the CLI both call `Suggester.suggest`; nothing else ranks.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import IndexMismatch, InvalidMessage
from ..settings import Settings
from .confidence import Confidence, Decision, decide, stage_choice, stage_scores
from .conversation import Context, read_history
from .embed import Embedder, truncate
from .index import Index
from .mood import detect_mood
from .prior_table import PriorTable
from .recent import RecentVectors
from .render import Slot, customer_context, render
from .schemas import Lang
from .snippets import Viewer
from .text import detect_script, normalise, reply_language, split_questions
from .wording import choose_wording, sent_wordings


@dataclass(frozen=True)
class Turn:
    role: Literal["customer", "agent"]
    text: str
    suggestion_id: str | None = None


@dataclass(frozen=True)
class Query:
    message: str
    conversation_id: str = ""
    history: Sequence[Turn] = ()
    customer: Mapping[str, object] = field(default_factory=dict)
    lang: Lang | None = None
    k: int | None = None
    viewer: Viewer | None = None  # whose snippets may be offered (None: team ones only)


@dataclass(frozen=True)
class Why:
    text: str  # the example (or title) the message matched, as written
    kind: str
    lang: str
    similarity: float
    prior: float = 0.0  # what agents' feedback added to the score (learn/priors.py), bounded


@dataclass(frozen=True)
class Suggestion:
    id: str  # entry/reply/lang/variant: stable, so feedback and history can name it
    entry_id: str
    reply_id: str
    source: Literal["playbook", "snippet"]
    author: str | None
    title: str
    lang: Lang
    fallback_lang: bool  # the entry has no wording in the conversation's language
    text: str
    slots: tuple[Slot, ...]
    guidance: tuple[str, ...]
    score: float
    why: Why
    question: int  # which of signals.questions this answers
    promise_limit_hours: int | None
    follow_up: dict[str, object] | None


@dataclass(frozen=True)
class Signals:
    lang: Lang
    script: str
    mood: str
    mood_cues: tuple[str, ...]
    questions: tuple[str, ...]
    truncated: bool


@dataclass(frozen=True)
class Result:
    suggestions: tuple[Suggestion, ...]
    signals: Signals
    no_match: bool  # true unless `match` is "confident": the one field every client reads
    match: Literal["confident", "weak", "none"]
    best_score: float
    outside_score: float  # how close the out-of-scope exemplars came (-1: none shipped)
    index_version: str
    took_ms: float

    def to_dict(self) -> dict[str, Any]:
        """What `dataclasses.asdict` returns, a few times faster: it deep-copies every
        leaf, and a result has hundreds of them on the request path."""
        plain = _plain(self)
        assert isinstance(plain, dict)
        return plain


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, containers rebuilt, immutable leaves shared."""
    kind = type(value)
    if kind in (str, float, int, bool) or value is None:
        return value
    if kind is tuple or kind is list:
        return kind(_plain(v) for v in value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value
        names = _FIELDS.setdefault(kind, tuple(f.name for f in dataclasses.fields(value)))
    return {name: _plain(getattr(value, name)) for name in names}


@dataclass
class _Candidate:
    entry_id: str
    similarity: float
    score: float
    unit: int
    question: int
    dense: float = 0.0  # the soft maximum over the entry's units, before words and mood
    row: int = 0  # which query vector found it (the message alone, or read in context)
    offered: bool = False  # the out-of-scope entry, offered because nothing fits
    prior: float = 0.0  # the feedback prior added to `score`
    stage: tuple[str | None] | None = None  # stage_choice's answer, once asked


# Entries that are a move in the conversation itself (thanks and goodbye, anger, asking
# for a manager): when the message alone points at one, the topic before does not pull
# it back.
TURN_TAKING = {"closing", "de-escalation", "escalation"}


class Suggester:
    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        settings: Settings,
        priors: Mapping[str, float] | None = None,
    ):
        self.index = index  # swapped whole on reload; each call reads it once
        self.embedder = embedder
        self.settings = settings
        self.confidence = Confidence.for_embedder(embedder.name, settings)
        self.threshold = self.confidence.threshold
        self._recent = RecentVectors()
        self.priors = priors or {}

    @property
    def priors(self) -> Mapping[str, float]:
        """Feedback priors, "entry/reply" -> score delta (learn/priors.py), as plain data
        from the serving state; each call reads the table once."""
        return self._priors.deltas

    @priors.setter
    def priors(self, deltas: Mapping[str, float]) -> None:
        self._priors = PriorTable(deltas, self.settings.prior_max)  # built aside, then swapped

    def suggest(self, query: Query) -> Result:
        started = time.perf_counter()
        index, priors = self.index, self._priors
        message = (query.message or "").strip()
        if not normalise(message):
            raise InvalidMessage("message is empty: send the customer's text")
        k = query.k or self.settings.k
        lang: Lang = query.lang or reply_language(message)
        questions = split_questions(message)
        if len(questions) > self.settings.max_questions:
            questions = [message]  # a longer list is treated as one message
        # The embedding cost is per token: the questions share one budget.
        budget = max(16, self.settings.max_query_tokens // len(questions))
        texts, truncated = [], False
        for question in questions:
            text, cut = truncate(self.embedder, normalise(question), budget)
            texts.append(text)
            truncated |= cut
        conversation = read_history(query.history)
        previous = self._previous_text(conversation, len(questions))
        vectors, previous_vector = self._embed(texts, previous)
        mood_vector = vectors[0] if len(vectors) == 1 else _unit(vectors.mean(axis=0))
        mood = detect_mood(message, mood_vector, index.mood_vectors, index.mood_labels)
        rows, row_question, row_texts = list(vectors), list(range(len(texts))), list(texts)
        hidden = index.hidden_for(query.viewer)
        candidates = self._search(index, rows, row_question, row_texts, mood.mood, lang, k, hidden)
        if previous_vector is not None and previous is not None:
            alone_best = max((c.dense for c in candidates), default=0.0)
            turn_taking = bool(candidates) and bool(
                TURN_TAKING & set(index.entries[candidates[0].entry_id].tags)
            )
            if alone_best < self.confidence.context_below and not turn_taking:
                # A follow-up that says little alone is read with the turn before it,
                # and the conversation's situation gets a bounded prior.
                mixed = _unit(vectors[0] + self.settings.context_weight * previous_vector)
                in_context = self._search(
                    index,
                    [mixed],
                    [0],
                    [f"{previous} {texts[0]}"],
                    mood.mood,
                    lang,
                    k,
                    hidden,
                    len(rows),
                )
                rows.append(mixed)
                candidates = _merge(candidates, in_context)
                prior = conversation.entry or self._top_entry(index, previous_vector, hidden)
                bonus = self.settings.conversation_prior
                if prior and self._is_a_stage_of(index, prior, vectors[0]):
                    bonus += self.settings.stage_prior  # "still nothing": this entry's words
                _raise(candidates, prior, bonus)
        sent: set[tuple[str, str, str, int]] | None = None
        if priors:
            sent = sent_wordings(index, query.history)
            self._add_priors(index, priors, candidates, vectors, lang, sent, query, k)
        if mood.mood == "angry":
            _keep_de_escalation(index, candidates, k)
        if index.scopes and self.settings.snippet_seat_margin > 0:
            _seat_a_snippet(index, candidates, k, self.settings.snippet_seat_margin)
        decision = decide(
            self.confidence, candidates, rows, index, in_conversation=previous is not None
        )
        if decision.match != "confident" and decision.outside > decision.best:
            decision = _offer_out_of_scope_entry(index, candidates, rows[0], decision)
        suggestions: list[Suggestion] = []
        best = decision.best
        if decision.match != "none":
            if sent is None:
                sent = sent_wordings(index, query.history)
            context = customer_context(query.customer)
            for number in range(len(questions)):
                mine = [c for c in candidates if c.question == number]
                picked = 0
                for candidate in mine:
                    if picked == k:
                        break
                    if candidate.stage is not None and not candidate.offered:
                        (preferred,) = candidate.stage  # asked already for its prior
                    else:
                        preferred = stage_choice(
                            index.sides,
                            candidate.entry_id,
                            vectors[number],
                            self.confidence,
                            -1.0 if candidate.offered else candidate.dense,
                            self.settings.stage_margin,
                            floor=-1.0 if candidate.offered else None,
                        )
                    suggestion = self._render(
                        index, candidate, lang, sent, context, query.conversation_id, preferred
                    )
                    if suggestion is not None:
                        suggestions.append(suggestion)
                        picked += 1
        signals = Signals(
            lang, detect_script(message), mood.mood, mood.cues, tuple(questions), truncated
        )
        took = (time.perf_counter() - started) * 1000
        return Result(
            tuple(suggestions),
            signals,
            decision.match != "confident",
            decision.match,
            round(best, 4),
            round(decision.outside, 4),
            index.version,
            round(took, 2),
        )

    def _add_priors(
        self,
        index: Index,
        priors: PriorTable,
        candidates: list[_Candidate],
        vectors: np.ndarray,
        lang: Lang,
        sent: set[tuple[str, str, str, int]],
        query: Query,
        k: int,
    ) -> None:
        """Each candidate that could be shown gets the prior of the reply it would show
        (the same choice `_render` makes), then the list is re-sorted. A prior moves a
        score by at most `prior_max`, so only candidates within twice that of a question's
        k-th place can change places; the rest are left alone."""
        bound = self.settings.prior_max
        kth: dict[int, float] = {}
        seen: dict[int, int] = {}
        for candidate in candidates:
            seen[candidate.question] = seen.get(candidate.question, 0) + 1
            if seen[candidate.question] <= k:
                kth[candidate.question] = candidate.score
        changed = False
        for candidate in candidates:
            replies = priors.by_entry.get(candidate.entry_id)
            if not replies or candidate.score < kth[candidate.question] - 2 * bound:
                continue
            entry = index.entries[candidate.entry_id]
            preferred = None
            if len(entry.replies) > 1:  # one reply: no stage to choose
                preferred = stage_choice(
                    index.sides,
                    candidate.entry_id,
                    vectors[candidate.question],
                    self.confidence,
                    candidate.dense,
                    self.settings.stage_margin,
                )
            candidate.stage = (preferred,)
            choice = choose_wording(entry, lang, sent, query.conversation_id, preferred)
            if choice is None:
                continue
            delta = replies.get(entry.replies[choice[0]].id, 0.0)
            if delta:
                candidate.score += delta
                candidate.prior = delta
                changed = True
        if changed:
            candidates.sort(key=lambda c: -c.score)

    def _search(
        self,
        index: Index,
        rows: list[np.ndarray],
        row_question: list[int],
        row_texts: list[str],
        mood: str,
        lang: Lang,
        k: int,
        hidden: np.ndarray | None = None,
        first_row: int = 0,
    ) -> list[_Candidate]:
        depth = self.settings.search_depth
        questions = len(set(row_question))
        matrix = np.vstack(rows)
        while True:  # dig deeper when a few entries own all the nearest units
            scores, ids = index.search(matrix, depth)
            candidates = self._rank(
                index, scores, ids, row_texts, mood, lang, row_question, first_row, hidden
            )
            if len(candidates) >= k * questions or depth >= len(index.units):
                return candidates
            depth *= 4

    def _previous_text(self, conversation: Context, questions: int) -> str | None:
        if questions != 1 or not conversation.previous:
            return None
        text, _ = truncate(
            self.embedder, normalise(conversation.previous[-1]), self.settings.max_query_tokens
        )
        return text or None

    def _embed(
        self, texts: list[str], previous: str | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The message's vectors and the previous customer turn's: that one was embedded
        when it arrived, so it usually comes from the recent-vector memory for free."""
        known = self._recent.get(previous) if previous else None
        wanted = texts + ([previous] if previous and known is None else [])
        matrix = self.embedder.embed(wanted, "query")
        for text, vector in zip(wanted, matrix, strict=True):
            self._recent.put(text, vector)
        if previous and known is None:
            return matrix[: len(texts)], matrix[len(texts)]
        return matrix, known

    def _is_a_stage_of(self, index: Index, entry_id: str, vector: np.ndarray) -> bool:
        scores = stage_scores(index.sides, entry_id, vector, self.confidence.temperature)
        return max(scores.values(), default=0.0) >= self.confidence.stage_floor

    def _top_entry(self, index: Index, vector: np.ndarray, hidden: np.ndarray | None) -> str | None:
        scores, ids = index.search(vector[None, :], self.settings.search_depth)
        dense = self._dense(index, scores[0], ids[0], hidden=hidden)
        return max(dense, key=lambda e: dense[e][0]) if dense else None

    def _rank(
        self,
        index: Index,
        scores: np.ndarray,
        ids: np.ndarray,
        texts: list[str],
        mood: str,
        lang: Lang,
        row_question: list[int] | None = None,
        first_row: int = 0,
        hidden: np.ndarray | None = None,
    ) -> list[_Candidate]:
        """Entries ranked per question, mood-boosted; an entry answers only the question
        it matches best, so two questions get two different situations.

        Dense score: a soft maximum over the entry's matching units,
        1 + t * log(sum(exp((s_i - 1) / t))): the best unit's similarity plus a little for
        every other close example, so an entry that several examples agree on beats one
        lucky near-duplicate (t = 0 is the plain maximum). With `retrieval = hybrid`, the
        entry's best BM25 score, scaled to [0, 1] for the query, adds `bm25_weight` (or
        `bm25_weight_fa` for Persian) times itself; with `bm25` it is the whole score.
        """
        best: dict[str, _Candidate] = {}
        for row, (row_scores, row_ids) in enumerate(zip(scores, ids, strict=True)):
            question = row_question[row] if row_question else row
            dense = self._dense(index, row_scores, row_ids, detect_script(texts[row]), hidden)
            ranked = dense
            if self.settings.retrieval != "dense":
                weight = self.settings.bm25_weight_fa if lang == "fa" else self.settings.bm25_weight
                ranked = self._with_words(index, dense, texts[row], len(row_ids), weight, hidden)
            floor = min((v[0] for v in dense.values()), default=0.0)
            for entry_id, (score, similarity, unit) in ranked.items():
                if mood in index.entries[entry_id].mood:
                    score += self.settings.mood_boost
                known = best.get(entry_id)
                if known is None or score > known.score:
                    soft = dense.get(entry_id, (floor,))[0]
                    best[entry_id] = _Candidate(
                        entry_id, similarity, score, unit, question, soft, first_row + row
                    )
        return sorted(best.values(), key=lambda c: -c.score)

    def _dense(
        self,
        index: Index,
        row_scores: np.ndarray,
        row_ids: np.ndarray,
        script: str = "mixed",
        hidden: np.ndarray | None = None,
    ) -> dict[str, tuple[float, float, int]]:
        """entry id -> (score, best similarity, best unit) from the nearest units.

        e5 scores a pair in two scripts lower than a same-script pair of the same meaning,
        so an entry written only in the other language loses to weaker matches in the
        message's own: the units of an entry with nothing in the message's script get
        `cross_language_bonus` (tuned on the massive-mixed dev split). Bilingual entries,
        like every bundled one, are compared as they are."""
        t = self.settings.aggregation_temperature
        bonus = self.settings.cross_language_bonus if script in ("fa", "en") else 0.0
        lacking = ~index.scripts_of_entries[script] if bonus else None
        expert = self.settings.snippet_bonus if index.scopes else 0.0
        hits: dict[str, list[float]] = {}
        top: dict[str, tuple[float, int]] = {}
        for similarity, unit in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
            if unit >= 0 and (hidden is None or not hidden[index.unit_entry[unit]]):
                entry_id = index.entry_ids[index.unit_entry[unit]]
                if lacking is not None and lacking[index.unit_entry[unit]]:
                    similarity += bonus
                if expert and entry_id in index.scopes:
                    similarity += expert
                hits.setdefault(entry_id, []).append(similarity)
                top.setdefault(entry_id, (similarity, unit))  # faiss returns best first
        out = {}
        for entry_id, sims in hits.items():
            score = (
                1.0 + t * math.log(sum(math.exp((s - 1.0) / t) for s in sims)) if t > 0 else sims[0]
            )
            out[entry_id] = (score, *top[entry_id])
        return out

    def _with_words(
        self,
        index: Index,
        dense: dict[str, tuple[float, float, int]],
        text: str,
        depth: int,
        weight: float,
        hidden: np.ndarray | None = None,
    ) -> dict[str, tuple[float, float, int]]:
        if index.lexical is None:
            raise IndexMismatch(
                f"retrieval={self.settings.retrieval} needs BM25 data, which "
                f"index {index.version} lacks: run `assist reindex`"
            )
        lex_scores, lex_ids = index.lexical.search(text, depth)
        words_best: dict[str, tuple[float, int]] = {}
        for score, unit in zip(lex_scores.tolist(), lex_ids.tolist(), strict=True):
            if hidden is not None and hidden[index.unit_entry[unit]]:
                continue
            words_best.setdefault(index.entry_ids[index.unit_entry[unit]], (score, unit))
        scale = float(lex_scores[0]) if len(lex_scores) else 1.0
        floor = min((v[1] for v in dense.values()), default=0.0)
        out = {}
        for entry_id in dense.keys() | words_best.keys():
            lexical, lexical_unit = words_best.get(entry_id, (0.0, -1))
            score, similarity, unit = dense.get(entry_id, (floor, floor, lexical_unit))
            share = lexical / scale if scale else 0.0
            if self.settings.retrieval == "bm25":
                out[entry_id] = (share, similarity, unit)
            else:
                out[entry_id] = (score + weight * share, similarity, unit)
        return out

    def _render(
        self,
        index: Index,
        candidate: _Candidate,
        lang: Lang,
        sent: set[tuple[str, str, str, int]],
        context: Mapping[str, str],
        conversation_id: str,
        preferred: str | None = None,
    ) -> Suggestion | None:
        entry = index.entries[candidate.entry_id]
        choice = choose_wording(entry, lang, sent, conversation_id, preferred)
        if choice is None:
            return None  # every wording of this entry was already sent here
        reply_index, reply_lang, variant = choice
        reply = entry.replies[reply_index]
        rendered = render(reply.get(reply_lang)[variant], context)
        unit = index.units[candidate.unit]
        guidance = entry.guidance.get(lang) or entry.guidance.get(reply_lang)
        return Suggestion(
            id=f"{entry.id}/{reply.id}/{reply_lang}/{variant}",
            entry_id=entry.id,
            reply_id=reply.id,
            source="snippet" if entry.id in index.scopes else "playbook",
            author=reply.author,
            title=entry.title.get(lang) or entry.title.get(reply_lang) or entry.id,
            lang=reply_lang,
            fallback_lang=reply_lang != lang,
            text=rendered.text,
            slots=rendered.slots,
            guidance=tuple(guidance),
            score=round(candidate.score, 4),
            why=Why(
                unit.text,
                unit.kind,
                unit.lang,
                round(candidate.similarity, 4),
                round(candidate.prior, 4),
            ),
            question=candidate.question,
            promise_limit_hours=entry.promise_limit_hours,
            follow_up=entry.follow_up.model_dump() if entry.follow_up else None,
        )


def _merge(first: list[_Candidate], second: list[_Candidate]) -> list[_Candidate]:
    """Each entry once, as the better-scoring of its two readings."""
    best = {c.entry_id: c for c in first}
    for candidate in second:
        known = best.get(candidate.entry_id)
        if known is None or candidate.score > known.score:
            best[candidate.entry_id] = candidate
    return sorted(best.values(), key=lambda c: -c.score)


def _raise(candidates: list[_Candidate], entry_id: str | None, bonus: float) -> None:
    """The conversation's situation gets `bonus` (a prior, not a lock), then re-sort."""
    for candidate in candidates:
        if candidate.entry_id == entry_id:
            candidate.score += bonus
    candidates.sort(key=lambda c: -c.score)


def _keep_de_escalation(index: Index, candidates: list[_Candidate], k: int) -> None:
    """A clearly angry customer needs de-escalation first (seed 004): if no entry tagged
    `de-escalation` is among the first question's top k (at most 3), the best one found
    takes the last of those places."""
    if k < 2:
        return
    places = min(k, 3)
    first = [i for i, c in enumerate(candidates) if c.question == 0]
    calming = [i for i in first if "de-escalation" in index.entries[candidates[i].entry_id].tags]
    if not calming or calming[0] in first[:places]:
        return
    moved = candidates.pop(calming[0])
    target = first[places - 1] if len(first) >= places else len(candidates)
    candidates.insert(target, moved)


def _seat_a_snippet(index: Index, candidates: list[_Candidate], k: int, margin: float) -> None:
    """A teammate's snippet close behind the top (within `margin` of the best score) but
    pushed out of the first question's shown places by playbook entries takes the last
    of those places: an entry with dozens of examples outscores a snippet with a handful
    by their number alone, and the agent should see the expert's reply beside the
    playbook's. The first place never changes."""
    places = min(k, 3)
    first = [i for i, c in enumerate(candidates) if c.question == 0]
    if places < 2 or len(first) <= places:
        return
    shown = first[:places]
    if any(candidates[i].entry_id in index.scopes for i in shown):
        return
    best = candidates[first[0]].score
    waiting = next((i for i in first[places:] if candidates[i].entry_id in index.scopes), None)
    if waiting is None or candidates[waiting].score < best - margin:
        return
    seat = candidates[shown[-1]]
    moved = candidates.pop(waiting)
    moved.score = seat.score - 1e-4  # shown in that place, and ranked there too
    seat.score = moved.score - 1e-4
    candidates.insert(shown[-1], moved)


def _offer_out_of_scope_entry(
    index: Index, candidates: list[_Candidate], vector: np.ndarray, decision: Decision
) -> Decision:
    """Closer to the out-of-scope exemplars than to any entry: if the library has an
    entry tagged `out-of-scope` (an honest "that's outside what we do"), it comes first,
    and the answer is "weak": still no confident suggestion, but a reply to start from."""
    entry_id = next((e.id for e in index.entries.values() if "out-of-scope" in e.tags), None)
    if entry_id is None:
        return decision
    found = next((c for c in candidates if c.entry_id == entry_id and c.question == 0), None)
    if found is None:
        ordinal = index.entry_ids.index(entry_id)
        unit = int(np.flatnonzero(index.unit_entry == ordinal)[0])
        similarity = float(index.vectors.reconstruct(unit) @ vector)
        found = _Candidate(entry_id, similarity, similarity, unit, 0, similarity, 0)
    else:
        candidates.remove(found)
    found.offered = True  # its best-matching stage reply, whatever the floor
    found.prior = 0.0
    found.score = max((c.score for c in candidates), default=found.score) + 1e-4
    candidates.insert(0, found)
    return dataclasses.replace(decision, match="weak")


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
