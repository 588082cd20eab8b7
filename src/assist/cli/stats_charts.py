"""`assist stats --png DIR`: the lead's charts as PNG files (matplotlib, imported only
here and only when asked, so the command line stays quick without it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

MOST_BARS = 20


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise click.ClickException(
            "--png needs matplotlib: pip install 'assist[eval]' (or matplotlib)"
        ) from exc
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    return plt


def draw(report: dict[str, Any], clusters: Sequence[Any], directory: Path) -> list[Path]:
    """One PNG per chart that has data: acceptance per reply, match rates per language,
    recital and over-promise per day, contributors, gap sizes. Returns the files."""
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    span = f"{report['from']} … {report['to']} · {report['team'] or 'every team'}"
    written = []

    def save(figure: Any, name: str) -> None:
        path = directory / name
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)

    replies = [r for r in report["replies"] if r["shown"]][:MOST_BARS]
    if replies:
        figure, ax = plt.subplots(figsize=(8, 0.35 * len(replies) + 1.5))
        labels = [r["key"] for r in replies][::-1]
        ax.barh(labels, [r["acceptance"] or 0 for r in replies][::-1], color="#2f7d5b")
        ax.set_xlim(0, 1)
        ax.set_xlabel("acceptance (inserted or sent / shown)")
        ax.set_title(f"Acceptance per reply, most shown first · {span}", fontsize=9)
        save(figure, "acceptance.png")
    langs = report["by_lang"]
    if langs:
        figure, ax = plt.subplots(figsize=(6, 3.5))
        names = [row["lang"] for row in langs]
        left = [0.0] * len(langs)
        for key, label, color in (
            ("match_rate", "matched", "#2f7d5b"),
            ("weak_rate", "weak", "#d9a300"),
            ("no_match_rate", "no match", "#b3443a"),
        ):
            values = [row[key] or 0 for row in langs]
            ax.barh(names, values, left=left, label=label, color=color)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlim(0, 1)
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(f"Answers served per language · {span}", fontsize=9)
        save(figure, "matches.png")
    trend = report["checks"]["trend"]
    if trend:
        figure, ax = plt.subplots(figsize=(8, 3.5))
        days = [d["day"] for d in trend]
        ax.plot(days, [d["recital_rate"] for d in trend], marker="o", label="recital")
        ax.plot(days, [d["over_promise_rate"] for d in trend], marker="o", label="over-promise")
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.legend(fontsize=8)
        ax.set_title(f"Checked drafts: recital and over-promise rate per day · {span}", fontsize=9)
        save(figure, "recital.png")
    authors = report["authors"][:MOST_BARS]
    if authors:
        figure, ax = plt.subplots(figsize=(7, 0.35 * len(authors) + 1.5))
        names = [a["author"] for a in authors][::-1]
        ax.barh(names, [a["shown"] for a in authors][::-1], color="#c9d6cf", label="shown")
        ax.barh(names, [a["accepted"] for a in authors][::-1], color="#2f7d5b", label="accepted")
        ax.legend(fontsize=8)
        ax.set_title(f"Contributors: their snippets' use · {span}", fontsize=9)
        save(figure, "contributors.png")
    if clusters:
        shown = list(clusters)[:MOST_BARS]
        figure, ax = plt.subplots(figsize=(8, 0.35 * len(shown) + 1.5))
        ax.barh([g.id for g in shown][::-1], [g.size for g in shown][::-1], color="#b3443a")
        ax.set_xlabel("messages")
        ax.set_title(f"Gaps: unmatched messages per cluster · {span}", fontsize=9)
        save(figure, "gaps.png")
    return written
