"""Which wording of an entry to show: the reply that fits the stage, then the
conversation's progress, never a wording the agent already sent here."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .conversation import TurnLike
from .index import Index
from .schemas import Entry, Lang
from .text import words

SENT_OVERLAP = 0.6  # share of a wording's words in an agent turn that marks it as sent


def choose_wording(
    entry: Entry,
    lang: Lang,
    sent: set[tuple[str, str, str, int]],
    conversation_id: str,
    preferred: str | None = None,
) -> tuple[int, Lang, int] | None:
    """(reply index, language, variant) to show, or None if all were sent.

    The reply whose `when` messages the customer's message matches comes first
    (`preferred`), if it has a wording left; otherwise the conversation moves forward: a
    reply none of whose wordings was sent comes first, in playbook order. Within a reply
    the starting wording is picked by the conversation id, so different customers read
    different words, yet one conversation sees a stable suggestion until the agent sends
    it.
    """
    other: Lang = "en" if lang == "fa" else "fa"
    for reply_lang in (lang, other):
        fresh: list[tuple[int, list[int]]] = []
        used: list[tuple[int, list[int]]] = []
        for r, reply in enumerate(entry.replies):
            variants = reply.get(reply_lang)
            if not variants:
                continue
            unsent = [
                v for v in range(len(variants)) if (entry.id, reply.id, reply_lang, v) not in sent
            ]
            if not unsent:
                continue
            (fresh if len(unsent) == len(variants) else used).append((r, unsent))
        order = fresh + used
        order.sort(key=lambda item: entry.replies[item[0]].id != preferred)  # stable
        for r, unsent in order:
            reply = entry.replies[r]
            start = stable_hash(f"{conversation_id}/{entry.id}/{reply.id}") % len(
                reply.get(reply_lang)
            )
            variant = min(unsent, key=lambda v: (v - start) % len(reply.get(reply_lang)))
            return r, reply_lang, variant
        if any(reply.get(reply_lang) for reply in entry.replies):
            return None  # the language exists but is used up: don't fall back to repeating
    return None


def sent_wordings(index: Index, history: Sequence[TurnLike]) -> set[tuple[str, str, str, int]]:
    """Wordings the agent already sent here: by suggestion id, or by a sent text that
    still carries most of a wording's fixed words (the agent personalises, not recites)."""
    sent: set[tuple[str, str, str, int]] = set()
    agent_words = []
    for turn in history:
        if turn.role != "agent":
            continue
        if turn.suggestion_id:
            parts = turn.suggestion_id.split("/")
            if len(parts) == 4 and parts[3].isdigit():
                sent.add((parts[0], parts[1], parts[2], int(parts[3])))
        agent_words.append(set(words(turn.text)))
    if agent_words:
        for key, wording in index.wording_words.items():
            if any(len(wording & said) >= SENT_OVERLAP * len(wording) for said in agent_words):
                sent.add(key)
    return sent


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")
