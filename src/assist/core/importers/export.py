"""Approved snippets → playbook entries, and playbook entries → YAML the loader reads back.

`snippets_to_entries` is pure: snippets that belong to one entry (`entry_id`) become one
entry dict under that id, meant to be folded into the library's entry with `merge_entry`;
a snippet of its own becomes an entry of its own. Replies keep `author:`, triggers become
examples. Nothing is invented: an entry with fewer than MIN_EXAMPLES triggers per language
is returned as is, and `plan.missing_examples(entry)` says what it still needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from ..playbook_yaml import MAX_NODES
from ..playbooks import MAX_FILE_BYTES
from ..schemas import LANGS
from ..text import reply_language
from .plan import kebab

SNIPPET_TAG = "snippet"


def snippets_to_entries(snippets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entry dicts for approved snippet dicts (id, author, title, entry_id, replies:
    {lang: [text, ...]}, triggers: [message, ...]), in the order first seen."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for snippet in snippets:
        key = snippet.get("entry_id") or _own_id(snippet, groups)
        groups.setdefault(key, []).append(snippet)
    return [_entry(entry_id, group) for entry_id, group in groups.items()]


def _own_id(snippet: dict[str, Any], taken: dict[str, Any]) -> str:
    base = kebab(snippet.get("title") or "") or f"snippet-{kebab(str(snippet.get('id')))}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _entry(entry_id: str, group: list[dict[str, Any]]) -> dict[str, Any]:
    replies = [_reply(snippet) for snippet in group]
    reply_langs = [lang for lang in LANGS if any(reply.get(lang) for reply in replies)]
    examples: dict[str, list[str]] = {lang: [] for lang in reply_langs}
    for snippet in group:
        for trigger in snippet.get("triggers") or []:
            bucket = examples.setdefault(_lang_of(trigger, reply_langs), [])
            if trigger not in bucket:
                bucket.append(trigger)
    first = group[0]
    title = first.get("title") or next(
        (t for t in (first.get("triggers") or []) if t), entry_id.replace("-", " ")
    )
    return {
        "id": entry_id,
        "title": {_lang_of(title, reply_langs): " ".join(title.split())[:200]},
        "tags": [SNIPPET_TAG],
        "examples": {lang: examples[lang] for lang in LANGS if lang in examples},
        "replies": replies,
    }


def _reply(snippet: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = {"id": f"snippet-{kebab(str(snippet.get('id')))}".rstrip("-")}
    if snippet.get("author"):
        reply["author"] = snippet["author"]
    texts = snippet.get("replies") or {}
    reply.update({lang: list(texts[lang]) for lang in LANGS if texts.get(lang)})
    return reply


def _lang_of(text: str, reply_langs: Sequence[str]) -> str:
    """The language a customer message serves: when the replies have one language, that
    one (a Finglish or English message to a Persian team is a Persian conversation)."""
    if len(reply_langs) == 1:
        return reply_langs[0]
    return reply_language(text)


def merge_entry(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` (an entry of the library) with `extra`'s replies and examples added: reply
    ids and examples already in `base` are not repeated; titles missing in `base` are
    taken from `extra`. Neither dict is changed."""
    merged = dict(base)
    known = {reply.get("id") for reply in base.get("replies") or []}
    merged["replies"] = list(base.get("replies") or []) + [
        reply for reply in extra.get("replies") or [] if reply.get("id") not in known
    ]
    examples = {lang: list(texts) for lang, texts in (base.get("examples") or {}).items()}
    for lang, texts in (extra.get("examples") or {}).items():
        bucket = examples.setdefault(lang, [])
        bucket += [t for t in texts if t not in bucket]
    merged["examples"] = examples
    merged["title"] = {**(extra.get("title") or {}), **(base.get("title") or {})}
    return merged


# ------------------------------------------------------------------ YAML


# libyaml's emitter when PyYAML has it (the pure-Python one takes ~3 ms per entry); a
# subclass of its own, so the representer below changes no one else's dumps.
_Dumper: Any = type("_Dumper", (getattr(yaml, "CSafeDumper", yaml.SafeDumper),), {})


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A reply with line breaks reads best as a literal block; PyYAML falls back to a
    # quoted scalar by itself when the text can't be one (e.g. trailing spaces).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_entries(entries: Iterable[dict[str, Any]], header: str = "") -> str:
    """YAML for a playbook file: Persian kept as written (not \\u escapes), keys in the
    order given, each entry separated by a blank line; `header` becomes `#` comments."""
    return _join(header, [_block(entry) for entry in entries])


def dump_files(entries: Iterable[dict[str, Any]], header: str = "") -> list[str]:
    """`dump_entries` split into as many files as the playbook loader needs: each under
    its bounds on bytes and values (a helpdesk's 5,000 macros are ~4 MB of YAML)."""
    byte_budget, node_budget = int(MAX_FILE_BYTES * 0.95), int(MAX_NODES * 0.95)
    files: list[list[str]] = [[]]
    size = nodes = 0
    for entry in entries:
        block = _block(entry)
        cost, count = len(block.encode("utf-8")) + 1, _nodes([entry])
        if files[-1] and (size + cost > byte_budget or nodes + count > node_budget):
            files.append([])
            size = nodes = 0
        files[-1].append(block)
        size, nodes = size + cost, nodes + count
    return [_join(header, blocks) for blocks in files if blocks]


def _block(entry: dict[str, Any]) -> str:
    return yaml.dump([entry], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)


def _join(header: str, blocks: list[str]) -> str:
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comments + ("\n" if comments and blocks else "") + "\n".join(blocks)


def _nodes(value: Any) -> int:
    """Values as the playbook loader counts them: every key, value and collection."""
    if isinstance(value, dict):
        return 1 + sum(1 + _nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_nodes(v) for v in value)
    return 1
