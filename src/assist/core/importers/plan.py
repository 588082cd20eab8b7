"""Canned responses → playbook entry dicts (or snippet proposals), with honest gaps.

A canned response has no customer examples, and a playbook entry needs MIN_EXAMPLES per
language it uses. Nothing here invents them: an entry whose source gave enough (the plain
CSV's `examples` column) is ready; any other is a draft whose `examples` list the lead
completes (`missing_examples` says how many), and the CLI keeps drafts out of playbooks/.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...errors import Problem
from ..playbooks import MAX_WORDINGS, MIN_EXAMPLES
from ..schemas import LANGS
from ..text import normalise
from .canned import Canned, Parsed

REPLY_ID = "imported"
MAX_ID_CHARS = 60

# Persian letters to Latin, so a Persian title still gives a readable kebab id.
_LATIN = str.maketrans(
    {
        "ا": "a", "آ": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch",
        "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s",
        "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f",
        "ق": "gh", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "v", "ه": "h",
        "ی": "i", "ء": "",
    }
)  # fmt: skip


def kebab(text: str) -> str:
    """`Refund delay::Late` → `refund-delay-late`; «بازگشت وجه» → `bazgsht-vjh`; at most
    MAX_ID_CHARS, cut at a hyphen. Empty when nothing in `text` can spell an id."""
    decomposed = unicodedata.normalize("NFKD", normalise(text).translate(_LATIN))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")
    if len(slug) > MAX_ID_CHARS:
        slug = slug[:MAX_ID_CHARS].rsplit("-", 1)[0] if "-" in slug else slug[:MAX_ID_CHARS]
    return slug


@dataclass
class Planned:
    """One entry to write, and the rows it came from."""

    entry: dict[str, Any]
    lines: list[int] = field(default_factory=list)

    @property
    def missing_examples(self) -> dict[str, int]:
        return missing_examples(self.entry)

    @property
    def ready(self) -> bool:
        return not self.missing_examples


def missing_examples(entry: dict[str, Any]) -> dict[str, int]:
    """Examples still to write per language the entry's replies or title use."""
    examples = entry.get("examples") or {}
    used = {lang for lang in LANGS if (entry.get("title") or {}).get(lang)}
    for reply in entry.get("replies") or []:
        used.update(lang for lang in LANGS if reply.get(lang))
    used.update(lang for lang in LANGS if examples.get(lang))
    have = {lang: len(examples.get(lang) or []) for lang in used}
    return {lang: MIN_EXAMPLES - n for lang, n in sorted(have.items()) if n < MIN_EXAMPLES}


@dataclass
class _Draft:
    id: str
    titles: dict[str, str] = field(default_factory=dict)
    wordings: dict[str, list[str]] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    first_line: dict[str, int] = field(default_factory=dict)  # normalised text -> its line


def plan_entries(parsed: Parsed, taken: Iterable[str] = ()) -> tuple[list[Planned], list[Problem]]:
    """One entry per id; rows whose title or short code give the same id are merged (same
    language: another wording of the reply). An id already used by the library (`taken`)
    gets a numeric suffix. Returns the entries and notes (warnings) or errors on rows."""
    taken_ids = set(taken)
    renamed: dict[str, str] = {}
    drafts: dict[str, _Draft] = {}
    problems: list[Problem] = []
    for item in parsed.items:
        base = kebab(item.key) or f"{parsed.format}-line-{item.line}"
        if base not in renamed:
            renamed[base] = _free(base, taken_ids)
            taken_ids.add(renamed[base])
            if renamed[base] != base:
                message = f"entry id {base!r} is already in the library: named {renamed[base]!r}"
                problems.append(Problem(parsed.source, item.line, message, "warning"))
        draft = drafts.setdefault(renamed[base], _Draft(renamed[base]))
        problem = _merge(draft, item, parsed)
        if problem:
            problems.append(problem)
    tags = ["imported", parsed.format]
    return [_planned(d, tags) for d in drafts.values()], problems


def _free(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _merge(draft: _Draft, item: Canned, parsed: Parsed) -> Problem | None:
    key = normalise(item.text)
    if key in draft.first_line:
        message = f"same reply as line {draft.first_line[key]}: kept once"
        return Problem(parsed.source, item.line, message, "warning")
    wordings = draft.wordings.setdefault(item.lang, [])
    if len(wordings) >= MAX_WORDINGS:
        message = f"entry {draft.id!r} already has {MAX_WORDINGS} {item.lang} wordings: not added"
        return Problem(parsed.source, item.line, message)
    merged = bool(draft.lines)
    wordings.append(item.text)
    draft.first_line[key] = item.line
    draft.titles.setdefault(item.lang, item.title)
    examples = draft.examples.setdefault(item.lang, [])
    examples += [e for e in item.examples if e not in examples]
    draft.tags += [t for t in (kebab(tag) for tag in item.tags) if t and t not in draft.tags]
    draft.lines.append(item.line)
    if merged:
        message = f"same id as line {draft.lines[0]}: added as another {item.lang} wording"
        return Problem(parsed.source, item.line, message, "warning")
    return None


def _planned(draft: _Draft, tags: list[str]) -> Planned:
    langs = [lang for lang in LANGS if draft.wordings.get(lang)]
    reply: dict[str, Any] = {"id": REPLY_ID, **{lang: draft.wordings[lang] for lang in langs}}
    entry = {
        "id": draft.id,
        "title": {lang: draft.titles[lang] for lang in langs},
        "tags": tags + [t for t in draft.tags if t not in tags],
        "examples": {lang: draft.examples.get(lang, []) for lang in langs},
        "replies": [reply],
    }
    return Planned(entry, draft.lines)


def snippet_proposals(
    planned: list[Planned], *, author: str, team: str, visibility: str = "team"
) -> list[dict[str, Any]]:
    """Arguments for `Snippets.propose`, one per entry. A snippet needs at least one
    trigger: without examples, the title stands in for it (the reviewer replaces it)."""
    proposals = []
    for plan in planned:
        entry = plan.entry
        reply = entry["replies"][0]
        titles = [t for t in entry["title"].values() if t]
        triggers = [e for lang in LANGS for e in entry["examples"].get(lang, [])]
        proposals.append(
            {
                "author": author,
                "team": team,
                "visibility": visibility,
                "replies": {lang: list(reply[lang]) for lang in LANGS if reply.get(lang)},
                "triggers": triggers or titles[:1],
                "entry_id": None,
                "title": titles[0] if titles else None,
            }
        )
    return proposals
