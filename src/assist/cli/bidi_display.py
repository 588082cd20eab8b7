"""One line of text from logical to visual order, for terminals that don't run bidi.

The Unicode Bidirectional Algorithm (UAX #9) for a single line with a known paragraph
direction: weak types (W1–W7), bracket pairs (N0), neutrals (N1–N2), implicit levels
(I1–I2), trailing whitespace (L1), reordering (L2) and mirroring (L4). python-bidi's Rust
core reorders the same way but leaves out L4, so "(A-1042)" and «…» in a Persian line
printed backwards: ")A-1042(", "»…«". Explicit embeddings and isolates (LRE…PDF,
LRI…PDI) are invisible controls a terminal can't use: they are dropped. Boundary
neutrals such as ZWNJ stay beside the letter before them.
"""

from __future__ import annotations

import unicodedata

# Bidi_Mirroring_Glyph (BidiMirroring.txt) for what chat text uses: brackets, quotes,
# comparison signs. « » are mirrored but, unlike brackets, not paired (N0 skips them).
_PAIRS = "()[]{}<>«»‹›⁅⁆⁽⁾₍₎≤≥≦≧⟨⟩⟦⟧〈〉《》「」『』【】〔〕﹙﹚﹛﹜﹝﹞（）［］｛｝"
MIRROR = {a: b for a, b in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)}
MIRROR |= {b: a for a, b in MIRROR.items()}
# Bidi_Paired_Bracket: opening → closing.
BRACKETS = {a: b for a, b in zip(_PAIRS[::2], _PAIRS[1::2], strict=True) if a not in "<«‹≤≦"}
_CLOSING = {b: a for a, b in BRACKETS.items()}

_EXPLICIT = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
_NEUTRAL = {"B", "S", "WS", "ON"}
_MAX_BRACKET_DEPTH = 63  # BD16


def bidi_class(char: str) -> str:
    # Unassigned code points (""): left to right, the algorithm's default.
    return unicodedata.bidirectional(char) or "L"


def visual(line: str, rtl: bool, mirror: bool = True) -> str:
    """`line` (one line, no newline) as a left-to-right terminal should print it, in a
    paragraph that is right to left when `rtl`."""
    chars = [c for c in line if bidi_class(c) not in _EXPLICIT]
    if not chars:
        return ""
    original = [bidi_class(c) for c in chars]
    base = 1 if rtl else 0
    levels = _levels(chars, original, base)
    # L2: from the highest level down to the lowest odd one, reverse every run at or
    # above it.
    order = list(range(len(chars)))
    lowest_odd = min(level for level in levels if level % 2) if any(x % 2 for x in levels) else 0
    for level in range(max(levels), max(lowest_odd, 1) - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    out = []
    for i in order:
        char = chars[i]
        if mirror and levels[i] % 2:
            char = MIRROR.get(char, char)  # L4
        out.append(char)
    return "".join(out)


def _levels(chars: list[str], original: list[str], base: int) -> list[int]:
    """The resolved embedding level of every character (UAX #9 W1–I2, then L1)."""
    embedding = "R" if base else "L"
    # X9: boundary neutrals take no part; they get a neighbour's level at the end.
    live = [i for i, kind in enumerate(original) if kind != "BN"]
    kinds = [original[i] for i in live]
    n = len(kinds)

    # W1: a nonspacing mark takes the type of what it marks.
    previous = embedding
    for k in range(n):
        if kinds[k] == "NSM":
            kinds[k] = previous
        previous = kinds[k]
    # W2: European digits after Arabic letters are Arabic numbers. W3: AL is R.
    strong = embedding
    for k in range(n):
        if kinds[k] in ("L", "R", "AL"):
            strong = kinds[k]
        elif kinds[k] == "EN" and strong == "AL":
            kinds[k] = "AN"
    kinds = ["R" if kind == "AL" else kind for kind in kinds]
    # W4: one separator between two numbers of a kind joins them ("1,000", "10:30").
    for k in range(1, n - 1):
        before, after = kinds[k - 1], kinds[k + 1]
        if kinds[k] == "ES" and before == after == "EN":
            kinds[k] = "EN"
        elif kinds[k] == "CS" and before == after and before in ("EN", "AN"):
            kinds[k] = before
    # W5: terminators ("$", "%") next to European digits are digits.
    k = 0
    while k < n:
        if kinds[k] != "ET":
            k += 1
            continue
        end = k
        while end < n and kinds[end] == "ET":
            end += 1
        if (k > 0 and kinds[k - 1] == "EN") or (end < n and kinds[end] == "EN"):
            kinds[k:end] = ["EN"] * (end - k)
        k = end
    # W6: the separators and terminators left are neutral.
    kinds = ["ON" if kind in ("ES", "ET", "CS") else kind for kind in kinds]
    # W7: European digits after Latin letters (or at the start of an LTR line) are L.
    strong = embedding
    for k in range(n):
        if kinds[k] in ("L", "R"):
            strong = kinds[k]
        elif kinds[k] == "EN" and strong == "L":
            kinds[k] = "L"

    _resolve_brackets([chars[i] for i in live], kinds, [original[i] for i in live], embedding)

    # N1: neutrals between two strong types of one direction take it (numbers count as
    # R); N2: the others take the paragraph's.
    def direction(kind: str) -> str:
        return "L" if kind == "L" else "R"

    k = 0
    while k < n:
        if kinds[k] not in _NEUTRAL:
            k += 1
            continue
        end = k
        while end < n and kinds[end] in _NEUTRAL:
            end += 1
        before = direction(kinds[k - 1]) if k > 0 else embedding
        after = direction(kinds[end]) if end < n else embedding
        kinds[k:end] = [before if before == after else embedding] * (end - k)
        k = end

    # I1, I2.
    if base == 0:
        resolved = [0 if kind == "L" else 1 if kind == "R" else 2 for kind in kinds]
    else:
        resolved = [2 if kind in ("L", "EN", "AN") else 1 for kind in kinds]
    levels = [base] * len(chars)
    for i, level in zip(live, resolved, strict=True):
        levels[i] = level
    for i, kind in enumerate(original):  # a boundary neutral sits with what precedes it
        if kind == "BN":
            levels[i] = levels[i - 1] if i > 0 else levels[i + 1] if i + 1 < len(chars) else base
    # L1: tabs, and whitespace before them or at the end of the line, go back to the
    # paragraph's level.
    trailing = True
    for i in range(len(chars) - 1, -1, -1):
        kind = original[i]
        if kind in ("S", "B"):
            levels[i] = base
            trailing = True
        elif kind in ("WS", "BN") and trailing:
            levels[i] = base
        else:
            trailing = False
    return levels


def _resolve_brackets(
    chars: list[str], kinds: list[str], original: list[str], embedding: str
) -> None:
    """N0: a bracket pair takes the direction of what it encloses (in place on `kinds`)."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for k, char in enumerate(chars):
        if kinds[k] != "ON":
            continue
        if char in BRACKETS:
            if len(stack) == _MAX_BRACKET_DEPTH:
                break
            stack.append((BRACKETS[char], k))
        elif char in _CLOSING:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == char:
                    pairs.append((stack[depth][1], k))
                    del stack[depth:]
                    break
    opposite = "R" if embedding == "L" else "L"

    def direction(kind: str) -> str | None:
        return "L" if kind == "L" else "R" if kind in ("R", "EN", "AN") else None

    for start, end in sorted(pairs):
        inside = {direction(kind) for kind in kinds[start + 1 : end]} - {None}
        if embedding in inside:
            chosen = embedding
        elif opposite in inside:
            before = next(
                (d for d in map(direction, reversed(kinds[:start])) if d is not None), embedding
            )
            chosen = opposite if before == opposite else embedding
        else:
            continue
        for k in (start, end):
            kinds[k] = chosen
            # Marks on a bracket follow it.
            follow = k + 1
            while follow < len(kinds) and original[follow] == "NSM":
                kinds[follow] = chosen
                follow += 1
