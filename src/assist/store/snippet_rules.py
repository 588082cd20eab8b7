"""What a snippet may hold: replies checked exactly like playbook replies (slot syntax,
lengths, wordings per language), 1 to 20 trigger messages, a kebab-case entry id, and no
personal data anywhere (`core.pii`). Every problem is collected, so one answer names
them all, each with where it is: `replies.en[0]: ...`, `triggers[2]: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import pii
from ..core.playbooks import MAX_TEXT_CHARS, MAX_WORDINGS
from ..core.render import template_problems
from ..core.schemas import KEBAB, LANGS, clean_text

MAX_TRIGGERS = 20
MAX_TITLE = 200
MAX_ENTRY_ID = 100
MAX_NOTE = 2_000
_KEBAB = re.compile(KEBAB)
_KIND_NAMES = {
    "email": "an email address",
    "phone": "a phone number",
    "card": "a card number",
    "iban": "an IBAN (Sheba) number",
    "national-id": "a national id",
}


def replies(value: Any, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """{lang: wordings} cleaned and stripped; languages without a wording left out."""
    if not isinstance(value, Mapping):
        problems.append('replies: a mapping of language to wordings, e.g. {"en": ["..."]}')
        return {}
    checked: dict[str, tuple[str, ...]] = {}
    for lang, wordings in value.items():
        where = f"replies.{str(lang)[:10]}"
        if lang not in LANGS:
            problems.append(f"{where}: unknown language (use {' or '.join(LANGS)})")
            continue
        if isinstance(wordings, str) or not isinstance(wordings, Sequence):
            problems.append(f"{where}: a list of wordings")
            continue
        if len(wordings) > MAX_WORDINGS:
            problems.append(f"{where}: {len(wordings)} wordings; the limit is {MAX_WORDINGS}")
            continue
        texts = []
        for i, wording in enumerate(wordings):
            text = _text(wording, f"{where}[{i}]", MAX_TEXT_CHARS, problems)
            if text is not None:
                problems.extend(f"{where}[{i}]: {p}" for p in template_problems(text))
                texts.append(text)
        if texts:
            checked[lang] = tuple(texts)
    if not checked and not problems:
        problems.append(f"replies: write at least one wording ({' or '.join(LANGS)})")
    return checked


def triggers(value: Any, problems: list[str]) -> tuple[str, ...]:
    """The customer messages the snippet answers: 1 to MAX_TRIGGERS, none empty."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        problems.append("triggers: a list of customer messages")
        return ()
    if not value:
        problems.append("triggers: give at least one customer message this snippet answers")
        return ()
    if len(value) > MAX_TRIGGERS:
        problems.append(f"triggers: {len(value)} messages; the limit is {MAX_TRIGGERS}")
        return ()
    texts = [
        _text(item, f"triggers[{i}]", MAX_TEXT_CHARS, problems) for i, item in enumerate(value)
    ]
    return tuple(t for t in texts if t is not None)


def optional_title(value: Any, problems: list[str]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value, "title", MAX_TITLE, problems)


def optional_entry_id(value: Any, problems: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_ENTRY_ID or not _KEBAB.match(value):
        problems.append(
            f"entry_id {str(value)[:40]!r}: a playbook entry id, kebab-case and at most "
            f"{MAX_ENTRY_ID} characters, e.g. 'transfer-delayed'"
        )
        return None
    return value


def name(value: Any, what: str, limit: int, problems: list[str]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= limit:
        problems.append(f"{what}: 1 to {limit} characters")
    return text


def personal_data(texts: Mapping[str, str]) -> list[str]:
    """One problem per piece of personal data in `texts` ({where: text}), its value
    shown masked: `replies.en[0]: a phone number (0912…)`."""
    found = []
    for where, text in texts.items():
        for item in pii.find(text):
            value = text[item.start : item.end]
            shown = value[: min(4, len(value) // 3 + 1)] + "…"
            found.append(f"{where}: {_KIND_NAMES.get(item.kind, item.kind)} ({shown})")
    return found


def located_texts(
    replies: Mapping[str, Sequence[str]], triggers: Sequence[str], title: str | None
) -> dict[str, str]:
    """Every text a snippet shows or searches, by where it is."""
    texts = {f"replies.{lang}[{i}]": t for lang, ws in replies.items() for i, t in enumerate(ws)}
    texts.update({f"triggers[{i}]": t for i, t in enumerate(triggers)})
    if title:
        texts["title"] = title
    return texts


def _text(value: Any, where: str, limit: int, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: text expected")
        return None
    text = clean_text(value).strip()
    if not text:
        problems.append(f"{where}: empty")
        return None
    if len(text) > limit:
        problems.append(f"{where}: {len(text):,} characters; the limit is {limit:,}")
        return None
    return text
