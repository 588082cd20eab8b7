"""How well the draft checks find what a person would flag: per-code precision and
recall on a labelled set of drafts (tests/data/drafts.yaml), written blind to the rules.

Each item: {id, message, mood, customer, entry_id, suggestion_id, history, draft,
expect: [codes]}. Odd ids (d-001, d-003, ...) are the dev split the rules are tuned on;
even ids are the test split that is reported. The check itself is passed in as a
function (the CLI hands in `assist.coach.check` bound to an index), so this module
only reads the set and scores.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.text import reply_language
from ..errors import AssistError


class DraftSetError(AssistError):
    status_code = 422


@dataclass(frozen=True)
class LabelledDraft:
    id: str
    number: int
    draft: str
    expect: frozenset[str]
    message: str | None = None
    mood: str | None = None
    customer: dict[str, Any] = field(default_factory=dict)
    entry_id: str | None = None
    suggestion_id: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    lang: str = "en"

    @property
    def split(self) -> str:
        return "dev" if self.number % 2 == 1 else "test"


# What a run of the check returns for one item: the codes found.
Checker = Callable[[LabelledDraft], Sequence[str]]
_NUMBER = re.compile(r"(\d+)\s*$")


def load_drafts(path: Path, known_codes: Sequence[str] | None = None) -> list[LabelledDraft]:
    """The labelled set; every problem as `file:line: what is wrong`."""
    text = path.read_text("utf-8")
    try:
        root = yaml.compose(text)
        raw = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise DraftSetError(f"{path}:{line}: not valid YAML: {exc}") from exc
    if not isinstance(raw, list) or root is None or not isinstance(root, yaml.SequenceNode):
        raise DraftSetError(f"{path}:1: expected a list of drafts")
    problems: list[str] = []
    drafts: list[LabelledDraft] = []
    for node, item in zip(root.value, raw, strict=True):
        where = f"{path}:{node.start_mark.line + 1}"
        try:
            drafts.append(_item(item, known_codes))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise DraftSetError("\n".join(problems[:20]))
    return drafts


def _item(item: Any, known_codes: Sequence[str] | None) -> LabelledDraft:
    if not isinstance(item, dict):
        raise TypeError("each draft is a mapping with id, draft and expect")
    number = _NUMBER.search(str(item["id"]))
    if number is None:
        raise ValueError(f"id {item['id']!r} does not end in a number")
    expect = item.get("expect") or []
    if not isinstance(expect, list):
        raise TypeError("expect must be a list of codes")
    unknown = [c for c in expect if known_codes is not None and c not in known_codes]
    if unknown:
        raise ValueError(f"unknown code(s) {', '.join(map(str, unknown))}")
    draft = item["draft"]
    if not isinstance(draft, str) or not draft.strip():
        raise ValueError("draft must be non-empty text")
    history = []
    for turn in item.get("history") or []:
        if isinstance(turn, str):
            turn = {"role": "agent", "text": turn}
        if not isinstance(turn, dict) or "text" not in turn:
            raise TypeError("history turns are {role, text}")
        history.append({"role": turn.get("role", "agent"), **turn})
    customer = item.get("customer") or {}
    if not isinstance(customer, dict):
        raise TypeError("customer must be a mapping")
    lang = item.get("lang") or reply_language(draft)
    return LabelledDraft(
        id=str(item["id"]),
        number=int(number.group(1)),
        draft=draft,
        expect=frozenset(str(c) for c in expect),
        message=item.get("message") or None,
        mood=item.get("mood") or None,
        customer={str(k): v for k, v in customer.items() if v is not None},
        entry_id=item.get("entry_id") or None,
        suggestion_id=item.get("suggestion_id") or None,
        history=tuple(history),
        lang="fa" if lang == "fa" else "en",
    )


def _score(tp: int, fp: int, fn: int) -> dict[str, Any]:
    return {
        "support": tp + fn,
        "found": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }


def evaluate_coach(
    drafts: Sequence[LabelledDraft], run: Checker, codes: Sequence[str], split: str = "dev"
) -> dict[str, Any]:
    """Per-code precision and recall (overall and per language), exact-match rate,
    the latency of the check, and every disagreement."""
    chosen = [d for d in drafts if split == "all" or d.split == split]
    counts: dict[tuple[str, str], list[int]] = {}
    times: list[float] = []
    misses: list[dict[str, Any]] = []
    exact = 0
    for item in chosen:
        started = time.perf_counter()
        found = set(run(item))
        times.append((time.perf_counter() - started) * 1000)
        exact += found == set(item.expect)
        for code in codes:
            for group in ("all", item.lang):
                c = counts.setdefault((group, code), [0, 0, 0])
                c[0] += code in found and code in item.expect
                c[1] += code in found and code not in item.expect
                c[2] += code not in found and code in item.expect
        if found != set(item.expect):
            misses.append(
                {
                    "id": item.id,
                    "lang": item.lang,
                    "missed": sorted(item.expect - found),
                    "extra": sorted(found - item.expect),
                    "draft": item.draft,
                }
            )
    groups: dict[str, dict[str, Any]] = {}
    for (group, code), (tp, fp, fn) in sorted(counts.items()):
        groups.setdefault(group, {})[code] = _score(tp, fp, fn)
    ordered = sorted(times)
    return {
        "split": split,
        "n": len(chosen),
        "exact_match": round(exact / len(chosen), 4) if chosen else None,
        "codes": groups.get("all", {}),
        "by_lang": {g: v for g, v in groups.items() if g != "all"},
        "latency_ms": {
            "p50": round(statistics.median(ordered), 2) if ordered else None,
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
        },
        "misses": misses,
    }
