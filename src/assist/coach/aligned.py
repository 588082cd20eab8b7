"""`normalise()` with a map back to the draft: every finding carries a code-point span
of the text the agent wrote, while every rule matches on the normalised form
(ی/ک unified, ZWNJ dropped, Persian digits as ASCII, lower case).

The steps are core/text.py's own (its patterns are imported, so the two cannot drift);
each character of the result remembers the stretch of the original it came from. A text
where the per-character walk disagrees with `normalise()` (an exotic composition) falls
back to a proportional map: spans then approximate, matching never changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from ..core.text import (
    _CHAR_MAP,
    _CONTROL,
    _DROP,
    _LATIN_RUN,
    _PERSIAN_RUN,
    _PREFIX_SPACE,
    _PUNCT_RUN,
    _SPACE,
    _SUFFIX_SPACE,
    normalise,
)

_WORD = re.compile(r"\w+")
# A sentence ends at . ! ? ؟ ; or a line break; a point between digits ("3.5") does not.
_SENTENCE = re.compile(r"(?:[^.!?؟;؛\n]|(?<=\d)\.(?=\d))+(?:[.!?؟;؛]+|\n|$)")


@dataclass(frozen=True)
class Token:
    text: str  # normalised
    start: int  # code points in the original draft
    end: int
    norm_start: int  # in the normalised text
    norm_end: int


@dataclass(frozen=True)
class Sentence:
    text: str  # normalised
    start: int
    end: int
    words: tuple[str, ...]


class Aligned:
    """The normalised form of `text` and the way back to the original's code points."""

    def __init__(self, text: str):
        self.original = text
        norm, starts, ends = _walk(text)
        expected = normalise(text)
        if norm != expected:  # never seen in tests; keeps matching exact regardless
            norm = expected
            scale = len(text) / max(1, len(norm))
            starts = [min(len(text), int(i * scale)) for i in range(len(norm))]
            ends = [min(len(text), int((i + 1) * scale)) for i in range(len(norm))]
        self.norm = norm
        self._starts = starts
        self._ends = ends

    def span(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """The original code-point span of normalised characters [norm_start, norm_end)."""
        if not self.norm:
            return 0, 0
        norm_start = max(0, min(norm_start, len(self.norm) - 1))
        norm_end = max(norm_start + 1, min(norm_end, len(self.norm)))
        return self._starts[norm_start], self._ends[norm_end - 1]

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(
            Token(m.group(0), *self.span(m.start(), m.end()), m.start(), m.end())
            for m in _WORD.finditer(self.norm)
        )

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """Sentences of the original (a line break ends one too), normalised for matching."""
        found = []
        for m in _SENTENCE.finditer(self.original):
            raw = m.group(0)
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            text = normalise(body)
            words = tuple(_WORD.findall(text))
            if words:
                found.append(Sentence(text, m.start() + lead, m.start() + lead + len(body), words))
        return tuple(found)

    def sentence_of(self, start: int) -> Sentence | None:
        """The sentence holding original offset `start`."""
        for sentence in self.sentences:
            if sentence.start <= start < sentence.end:
                return sentence
        return None


def _walk(text: str) -> tuple[str, list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1  # a base letter with its marks composes as one cluster
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
        piece = unicodedata.normalize("NFKC", piece).translate(_CHAR_MAP)
        chars.extend(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    s, starts, ends = "".join(chars), starts, ends
    s, starts, ends = _sub(_DROP, "", s, starts, ends)
    s, starts, ends = _sub(_CONTROL, " ", s, starts, ends)
    s, starts, ends = _sub(_SPACE, " ", s, starts, ends)
    lead = len(s) - len(s.lstrip())
    tail = len(s.rstrip())
    s, starts, ends = s[lead:tail], starts[lead:tail], ends[lead:tail]
    s, starts, ends = _sub(_PREFIX_SPACE, r"\1", s, starts, ends)
    s, starts, ends = _sub(_SUFFIX_SPACE, r"\1", s, starts, ends)
    s, starts, ends = _sub(_PERSIAN_RUN, r"\1", s, starts, ends)
    s, starts, ends = _sub(_LATIN_RUN, r"\1\1", s, starts, ends)
    return _sub(_PUNCT_RUN, r"\1", s, starts, ends)


def _sub(
    pattern: re.Pattern[str], repl: str, s: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    """`pattern.sub(repl, s)`, each replacement character mapped to the whole stretch
    of the original that its match covered."""
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        out.append(s[last : m.start()])
        new_starts.extend(starts[last : m.start()])
        new_ends.extend(ends[last : m.start()])
        piece = m.expand(repl)
        if piece:
            first = (
                starts[m.start()]
                if m.end() > m.start()
                else (ends[m.start() - 1] if m.start() else 0)
            )
            final = ends[m.end() - 1] if m.end() > m.start() else first
            out.append(piece)
            new_starts.extend([first] * len(piece))
            new_ends.extend([final] * len(piece))
        last = m.end()
    out.append(s[last:])
    new_starts.extend(starts[last:])
    new_ends.extend(ends[last:])
    return "".join(out), new_starts, new_ends
