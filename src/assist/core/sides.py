"""Texts embedded beside the entries' units, each answering one question the ranking asks:
- out-of-scope exemplars: "does this message belong to no entry at all?"
- stage messages (a reply's `when:`): "which reply of the chosen entry fits now?"
Both are stored in every index version, so a hot swap changes them together with the
playbooks they belong to."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from ..errors import PlaybookError, Problem
from .schemas import LANGS, Entry


@dataclass(frozen=True)
class Stage:
    entry_id: str
    reply_id: str
    lang: str
    text: str


def out_of_scope_exemplars(path: Path | None = None) -> list[tuple[str, str]]:
    """(lang, text) of the out-of-scope exemplars: `path`, or the bundled set."""
    if path is None:
        raw = resources.files("assist").joinpath("data/out_of_scope.yaml").read_text("utf-8")
        where = "assist/data/out_of_scope.yaml"
    else:
        raw, where = path.read_text("utf-8"), str(path)
    data = yaml.safe_load(raw) or {}
    if not isinstance(data, dict) or not set(data) <= set(LANGS):
        raise PlaybookError([Problem(where, 1, "expected a mapping of en/fa to message lists")])
    out: list[tuple[str, str]] = []
    for lang in LANGS:
        for text in data.get(lang) or []:
            if not isinstance(text, str) or not text.strip():
                raise PlaybookError([Problem(where, 1, f"{lang}: every item must be a message")])
            out.append((lang, text))
    return out


def stage_messages(entries: tuple[Entry, ...] | list[Entry]) -> list[Stage]:
    return [
        Stage(entry.id, reply.id, lang, text)
        for entry in entries
        for reply in entry.replies
        for lang in LANGS
        for text in reply.when.get(lang)
    ]


def soft_max(similarities: np.ndarray, temperature: float) -> float:
    """1 + t·log Σ exp((s − 1)/t): the best similarity plus a little for each other close
    one (t = 0: the plain maximum). The same aggregation entries get, so the two compare."""
    if not len(similarities):
        return 0.0
    if temperature <= 0:
        return float(similarities.max())
    shifted = (similarities.astype(np.float64) - 1.0) / temperature
    top = float(shifted.max())
    return 1.0 + temperature * (top + float(np.log(np.exp(shifted - top).sum())))


SIDE_FILES = ("sides.npy", "sides.json")


@dataclass(frozen=True)
class Sides:
    outside: np.ndarray  # out-of-scope exemplar vectors, one row each
    outside_langs: tuple[str, ...]
    stages: tuple[Stage, ...]
    stage_vectors: np.ndarray  # one row per stage message
    rows_by_entry: dict[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rows: dict[str, list[int]] = {}
        for row, stage in enumerate(self.stages):
            rows.setdefault(stage.entry_id, []).append(row)
        object.__setattr__(self, "rows_by_entry", rows)


def side_texts(outside: list[tuple[str, str]], stages: list[Stage]) -> list[str]:
    """The texts to embed, outside exemplars first, in the order `write` expects."""
    return [text for _, text in outside] + [s.text for s in stages]


def write_sides(
    directory: Path, outside: list[tuple[str, str]], stages: list[Stage], vectors: np.ndarray
) -> tuple[str, ...]:
    """sides.npy (every vector, outside first) and sides.json (what each row is)."""
    meta = {
        "outside_langs": [lang for lang, _ in outside],
        "stages": [[s.entry_id, s.reply_id, s.lang, s.text] for s in stages],
    }
    (directory / "sides.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    with open(directory / "sides.npy", "wb") as fh:
        np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
        fh.flush()
        os.fsync(fh.fileno())
    return SIDE_FILES


def read_sides(directory: Path, dim: int, entries: dict[str, Entry]) -> Sides:
    """Parse and cross-check the side files; any disagreement raises ValueError."""
    meta = json.loads((directory / "sides.json").read_text("utf-8"))
    langs = tuple(meta["outside_langs"])
    stages = tuple(Stage(*map(str, row)) for row in meta["stages"])
    if not set(langs) <= set(LANGS) or any(len(row) != 4 for row in meta["stages"]):
        raise ValueError("unexpected rows in sides.json")
    for stage in stages:
        entry = entries.get(stage.entry_id)
        if entry is None or stage.reply_id not in {r.id for r in entry.replies}:
            raise ValueError(f"a stage points at {stage.entry_id}/{stage.reply_id}, unknown")
    vectors = np.load(directory / "sides.npy", allow_pickle=False)
    if vectors.dtype != np.float32 or vectors.shape != (len(langs) + len(stages), dim):
        raise ValueError(f"{vectors.dtype} array of shape {vectors.shape} for the side rows")
    return Sides(vectors[: len(langs)], langs, stages, vectors[len(langs) :])
