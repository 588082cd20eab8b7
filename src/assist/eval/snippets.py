"""Are shared snippets found? A leave-one-out over a set of snippets written for gaps in
the library: each round holds out one trigger of every snippet, serves the rest live
(exactly as an approval is served, beside the published index), and asks with the held
out trigger. And do they cost the playbooks anything? The golden set is scored with and
without every snippet live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..core.library import combine
from ..core.snippets import LiveSnippets, SharedReply, Viewer
from ..core.suggest import Query, Suggester
from .evaluate import Case, Score, evaluate_golden, ranked_entries

TEAM = "eval"
VIEWER = Viewer("reviewer", TEAM)


def load_snippets(path: Path) -> list[SharedReply]:
    """The YAML set (`id`, `author`, `entry_id`, `replies`, `triggers`) as approved team
    snippets numbered from 1 (odd numbers are the dev half, even ones the test half)."""
    raw = yaml.safe_load(path.read_text("utf-8")) or []
    return [
        SharedReply(
            id=number,
            change=number,
            author=str(item.get("author") or "agent"),
            team=TEAM,
            visibility="team",
            status="approved",
            replies={lang: list(v) for lang, v in (item.get("replies") or {}).items() if v},
            triggers=list(item["triggers"]),
            title=item.get("title"),
            entry_id=item.get("entry_id"),
        )
        for number, item in enumerate(raw, 1)
    ]


def leave_one_out(
    suggester: Suggester, snippets: Sequence[SharedReply], k: int = 5, split: str = "all"
) -> dict[str, Any]:
    """hit@k of each snippet for its held-out triggers, per language of the trigger,
    and the misses (what came first instead). Every snippet is served; only those of
    `split` (dev: odd numbers, test: even, all) are asked for."""
    asked = {s.id for s in snippets if split == "all" or (s.id % 2 == 1) == (split == "dev")}
    base = suggester.index
    embedder = suggester.embedder
    full = LiveSnippets().apply(list(snippets), embedder, base.entries)  # embeds once
    rounds = max(len(s.triggers) for s in snippets)
    scores: dict[str, Score] = {}
    misses: list[dict[str, str]] = []
    try:
        for held in range(rounds):
            kept = [
                dataclasses.replace(
                    s, triggers=[t for i, t in enumerate(s.triggers) if i != held], change=0
                )
                for s in snippets
                if len(s.triggers) > held and len(s.triggers) > 1
            ]
            known = LiveSnippets(vectors=full.vectors, unit_texts=full.unit_texts)
            served = known.apply(kept, embedder, base.entries)  # nothing new to embed
            suggester.index = combine(base, served)
            for snippet in snippets:
                if snippet.id not in asked or len(snippet.triggers) <= held:
                    continue
                if len(snippet.triggers) < 2:
                    continue
                text = snippet.triggers[held]
                result = suggester.suggest(Query(text, conversation_id="loo", k=k, viewer=VIEWER))
                ranked = ranked_entries(result)
                lang = "fa" if any("\u0600" <= c <= "\u06ff" for c in text) else "en"
                for group in (lang, "all"):
                    rank = scores.setdefault(group, Score()).add(ranked, snippet.key)
                if rank is None or rank > 3:
                    misses.append(
                        {
                            "snippet": snippet.key,
                            "text": text,
                            "got": ranked[0] if ranked else "(none)",
                            "rank": str(rank or "-"),
                            "match": result.match,
                        }
                    )
    finally:
        suggester.index = base
    return {
        "snippets": len(asked),
        "split": split,
        "groups": {name: score.as_dict() for name, score in sorted(scores.items())},
        "misses": misses,
    }


def golden_with_snippets(
    suggester: Suggester, snippets: Sequence[SharedReply], cases: Sequence[Case]
) -> dict[str, Any]:
    """Golden hit@1 without, then with, every snippet live."""
    base = suggester.index
    before = evaluate_golden(suggester, cases)
    live = LiveSnippets().apply(list(snippets), suggester.embedder, base.entries)
    suggester.index = combine(base, live)
    try:
        # The golden cases ask as a tool would (no key): team snippets of every team.
        after = evaluate_golden(suggester, cases)
    finally:
        suggester.index = base
    return {
        "before": before["groups"]["all"],
        "after": after["groups"]["all"],
        "taken_by_snippets": [m for m in after["misses"] if m["got"].startswith("snippet-")],
    }
