"""Gaps in the library: customer messages that found nothing (or only weak matches),
grouped into situations, so a lead sees where the next playbook entry should go.

Greedy cosine clustering: messages (identical ones counted once, most frequent first)
join the cluster whose centroid is nearest if it is at least `threshold` close, else
start one. Clusters are made per language: a skeleton entry then holds examples in one
language, and e5 would put a Persian and an English complaint closer than the threshold
only when they mean the same, which a lead sees anyway. A cluster is reported only with
at least MIN_EXAMPLES different messages, the least a playbook entry may have, so every
skeleton passes `assist validate`. Pure: the caller runs it in a worker thread.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from .embed import Embedder, truncate
from .playbooks import MIN_EXAMPLES
from .schemas import LANGS
from .text import normalise, reply_language

# Same situation, per embedder (cosine of a message to a cluster's centre). e5 puts two
# unrelated customer messages at 0.73-0.86 and paraphrases of one request at 0.88-0.97
# (measured on 16 messages, tests/core/test_gaps_slow.py); the hashing fake's at 0.5-0.6.
THRESHOLDS: dict[str, float] = {"e5": 0.88, "sentence-transformers": 0.6, "hash": 0.45}
MAX_MESSAGES = 2000  # per call: the caller reads at most this many, newest first
SHOWN_EXAMPLES = 5
SKELETON_EXAMPLES = 12
EXAMPLE_CHARS = 300
QUERY_TOKENS = 128
_SLUG_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Message:
    text: str  # personal data already masked
    lang: str
    best_entry_id: str | None = None
    best_score: float = 0.0


@dataclass(frozen=True)
class Gap:
    id: str
    lang: str
    size: int  # messages, repeats included
    distinct: int
    examples: tuple[str, ...]  # nearest the centre first
    best_entry_id: str | None  # the entry most of them came closest to
    best_score: float  # their mean best score
    skeleton: str  # a playbook entry to start from (YAML)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "distinct": self.distinct,
            "lang": self.lang,
            "examples": list(self.examples[:SHOWN_EXAMPLES]),
            "best_entry_id": self.best_entry_id,
            "best_score": self.best_score,
            "skeleton": self.skeleton,
        }


@dataclass
class _Group:
    """One distinct message text, how often it came, and its members' details."""

    text: str
    lang: str
    members: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Gaps:
    clusters: tuple[Gap, ...]
    messages: int  # read
    unclustered: int  # messages in groups too small to report
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "clusters": [g.to_dict() for g in self.clusters],
            "messages": self.messages,
            "unclustered": self.unclustered,
            "threshold": self.threshold,
        }


def threshold_for(embedder: Embedder) -> float:
    return THRESHOLDS.get(embedder.name, THRESHOLDS["e5"])


def find_gaps(
    messages: Sequence[Message], embedder: Embedder, threshold: float | None = None
) -> Gaps:
    """Clusters of `messages` (the first MAX_MESSAGES), biggest first."""
    messages = list(messages)[:MAX_MESSAGES]
    limit = threshold_for(embedder) if threshold is None else threshold
    groups = _distinct(messages)
    found: list[tuple[list[_Group], np.ndarray]] = []
    for lang in sorted({g.lang for g in groups}):
        mine = [g for g in groups if g.lang == lang]
        texts = [truncate(embedder, normalise(g.text), QUERY_TOKENS)[0] for g in mine]
        vectors = np.asarray(embedder.embed(texts, "query"), dtype=np.float32)
        weights = np.array([len(g.members) for g in mine], dtype=np.float32)
        for rows, centre in cluster(vectors, weights, limit):
            ranked = sorted(rows, key=lambda r: -float(vectors[r] @ centre))
            found.append(([mine[r] for r in ranked], centre))
    kept = [(c, centre) for c, centre in found if len(c) >= MIN_EXAMPLES]
    kept.sort(key=lambda item: (-sum(len(g.members) for g in item[0]), item[0][0].text))
    gaps = tuple(_gap(n, members) for n, (members, _) in enumerate(kept, 1))
    clustered = sum(g.size for g in gaps)
    return Gaps(gaps, len(messages), len(messages) - clustered, round(limit, 4))


def cluster(
    vectors: np.ndarray, weights: np.ndarray, threshold: float
) -> list[tuple[list[int], np.ndarray]]:
    """Greedy leader clustering over L2-normalised rows, heaviest first: each row joins
    the nearest centroid at or above `threshold`, else starts a cluster. Returns the
    rows of each cluster and its (normalised) centroid."""
    order = sorted(range(len(vectors)), key=lambda r: (-float(weights[r]), r))
    sums: list[np.ndarray] = []
    centres = np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    members: list[list[int]] = []
    for row in order:
        vector = vectors[row]
        if len(sums):
            similarity = centres @ vector
            best = int(np.argmax(similarity))
            if float(similarity[best]) >= threshold:
                members[best].append(row)
                sums[best] = sums[best] + weights[row] * vector
                centres[best] = _unit(sums[best])
                continue
        members.append([row])
        sums.append(weights[row] * vector)
        centres = np.vstack([centres, _unit(sums[-1])[None, :]])
    return [(rows, centres[i]) for i, rows in enumerate(members)]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _distinct(messages: Sequence[Message]) -> list[_Group]:
    """One group per normalised text (in its first spelling), in the order first seen."""
    groups: dict[tuple[str, str], _Group] = {}
    for message in messages:
        text = _clean(message.text)
        if not normalise(text):
            continue
        lang = message.lang if message.lang in LANGS else reply_language(text)
        group = groups.setdefault((lang, normalise(text)), _Group(text, lang))
        group.members.append(message)
    return list(groups.values())


def _clean(text: str) -> str:
    """One line, no control characters (YAML would escape them and a reader sees
    `\\x07`), at most EXAMPLE_CHARS characters cut at a word."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cc" or c in "\t\n")
    text = " ".join(text.split())
    if len(text) > EXAMPLE_CHARS:
        text = text[:EXAMPLE_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _gap(number: int, groups: list[_Group]) -> Gap:
    members = [m for g in groups for m in g.members]
    lang = groups[0].lang
    entries = Counter(m.best_entry_id for m in members if m.best_entry_id)
    nearest = entries.most_common(1)[0][0] if entries else None
    scores = [m.best_score for m in members if nearest is None or m.best_entry_id == nearest]
    best_score = round(sum(scores) / len(scores), 4) if scores else 0.0
    slug = "-".join(_SLUG_WORD.findall(groups[0].text.lower())[:4])[:40].strip("-")
    gap_id = f"gap-{lang}-{number}" + (f"-{slug}" if slug else "")
    examples = tuple(g.text for g in groups)
    skeleton = skeleton_yaml(gap_id, lang, examples, len(members), nearest, best_score)
    return Gap(gap_id, lang, len(members), len(groups), examples, nearest, best_score, skeleton)


def skeleton_yaml(
    entry_id: str,
    lang: str,
    examples: Sequence[str],
    size: int,
    nearest: str | None = None,
    nearest_score: float = 0.0,
) -> str:
    """A playbook entry to start from: the messages as examples, the most typical one
    as a title, one reply whose wording is a [[hint]] for the lead to replace. It passes
    `assist validate` (with warnings: a second reply, more examples, guidance)."""
    title = examples[0] if len(examples[0]) <= 80 else examples[0][:80].rsplit(" ", 1)[0]
    hint = (
        "[[write the reply: what you checked, what happens next]]"
        if lang == "en"
        else "[[پاسخ را بنویسید: چه چیزی بررسی شد و قدم بعدی چیست]]"
    )
    entry = {
        "id": entry_id,
        "title": {lang: title},
        "examples": {lang: list(examples[:SKELETON_EXAMPLES])},
        "replies": [{"id": "answer", lang: ["{{customer_name}}, " + hint]}],
    }
    head = [
        f"# {size} customer messages found no confident suggestion ({len(examples)} different).",
    ]
    if nearest:
        head.append(
            f"# Nearest entry: {nearest} (similarity {nearest_score:.2f}): "
            "maybe a reply or examples there are enough."
        )
    head.append(
        "# Before publishing: rename the id, write the title, replies (2+ wordings each) "
        "and guidance; 8+ examples match better."
    )
    body = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    return "\n".join(head) + "\n" + body
