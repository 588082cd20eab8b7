"""Evaluation reports: one JSON per run, and a summary (Markdown table + PNG chart) over
every run in the reports folder, so configurations compare side by side."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

COLUMNS = ("hit@1", "hit@3", "hit@5", "mrr")


def run_path(reports: Path, report: dict[str, Any]) -> Path:
    slug = re.sub(r"[^a-zA-Z0-9.=-]+", "_", report["config"]).strip("_")
    return reports / "runs" / f"{report['bench']}--{report['split']}--{slug}.json"


def write_run(reports: Path, report: dict[str, Any]) -> Path:
    path = run_path(reports, report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


def load_runs(reports: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((reports / "runs").glob("*.json"))]


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | split | config | n | hit@1 (95% CI) | hit@3 | hit@5 | MRR | "
        "abstention | p50 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in sorted(runs, key=lambda r: (r["bench"], r["split"], r["config"])):
        ci = run.get("hit@1_ci95", [0, 0])
        cell = "–"
        if "abstention" in run:
            a = run["abstention"]
            cell = (
                f"oos recall {a['oos_recall']:.3f} at in-scope acc "
                f"{a['inscope_accuracy']:.3f} (t={a['threshold']})"
            )
        lines.append(
            f"| {run['bench']} | {run['split']} | {run['config']} | {run.get('n', 0)} | "
            f"{run.get('hit@1', 0):.3f} ({ci[0]:.2f}–{ci[1]:.2f}) | {run.get('hit@3', 0):.3f} | "
            f"{run.get('hit@5', 0):.3f} | {run.get('mrr', 0):.3f} | {cell} | "
            f"{run['latency_ms']['p50']} |"
        )
    return "\n".join(lines) + "\n"


def chart(runs: list[dict[str, Any]], path: Path, split: str = "test") -> Path | None:
    """Grouped bars: hit@1 per benchmark, one bar per configuration."""
    runs = [r for r in runs if r["split"] == split]
    if not runs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    benches = sorted({r["bench"] for r in runs})
    configs = sorted({r["config"] for r in runs})
    width = 0.8 / len(configs)
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(benches)), 4.5))
    for n, config in enumerate(configs):
        values = [
            next((r.get("hit@1", 0) for r in runs if r["bench"] == b and r["config"] == config), 0)
            for b in benches
        ]
        ax.bar([i + n * width for i in range(len(benches))], values, width, label=config)
    ax.set_xticks(
        [i + 0.4 - width / 2 for i in range(len(benches))], benches, rotation=30, ha="right"
    )
    ax.set_ylabel("hit@1")
    ax.set_ylim(0, 1)
    ax.set_title(f"assist eval: intent-level hit@1 ({split} split)")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_summary(reports: Path) -> tuple[Path, Path | None]:
    runs = load_runs(reports)
    table = reports / "summary.md"
    table.write_text("# assist eval summary\n\n" + markdown(runs), "utf-8")
    (reports / "summary.json").write_text(json.dumps(runs, ensure_ascii=False, indent=2), "utf-8")
    return table, chart(runs, reports / "summary.png")
