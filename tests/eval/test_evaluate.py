import json
from pathlib import Path

from click.testing import CliRunner
from test_benchmarks import data  # noqa: F401  (the tiny-datasets fixture)

from assist.cli import main
from assist.core.cache import EmbeddingCache
from assist.core.embed import HashEmbedder
from assist.eval.evaluate import (
    Ranked,
    abstention,
    config_label,
    evaluate_golden,
    load_golden,
    run_benchmark,
    tune_threshold,
    wilson,
)
from assist.eval.reports import load_runs, write_run, write_summary


def test_wilson_interval():
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(81, 100)
    assert low < 0.81 < high and round(high - low, 2) == 0.15


def test_abstention_and_threshold_tuning():
    rows = [
        Ranked(frozenset({"a"}), ("a",), 0.9, 1.0),
        Ranked(frozenset({"b"}), ("b",), 0.8, 1.0),
        Ranked(frozenset({"c"}), ("x",), 0.85, 1.0),
        Ranked(frozenset(), ("a",), 0.7, 1.0),
        Ranked(frozenset(), ("b",), 0.82, 1.0),
    ]
    none = abstention(rows, 0.0)
    assert none == {
        "threshold": 0.0,
        "margin": -9.0,
        "scope": 99.0,
        "inscope_accuracy": 0.6667,
        "oos_recall": 0.0,
        "abstain_precision": 0.0,
    }
    cut = abstention(rows, 0.81)
    assert cut["oos_recall"] == 0.5 and cut["inscope_accuracy"] == 0.3333
    assert cut["abstain_precision"] == 0.5
    # no threshold keeps accuracy >= 0.9 here, so the tuner takes the best sum of the two
    assert tune_threshold(rows) == (0.85, -9.0, 99.0)
    right = [
        Ranked(frozenset({e}), (e,), best, 1.0)
        for e, best in [("a", 0.9), ("b", 0.85), ("c", 0.95)]
    ]
    oos = [Ranked(frozenset(), ("a",), best, 1.0) for best in (0.7, 0.8, 0.88)]
    # the most out-of-scope recall that keeps every in-scope answer
    assert tune_threshold(right + oos) == (0.85, -9.0, 99.0)
    assert abstention(right + oos, 0.85)["oos_recall"] == 0.6667


def test_the_margin_over_out_of_scope_exemplars_is_tuned_too():
    # All score alike; only the out-of-scope exemplars' score tells them apart.
    right = [Ranked(frozenset({e}), (e,), 0.9, 1.0, 0.85) for e in "abc"]
    oos = [Ranked(frozenset(), ("a",), 0.9, 1.0, outside) for outside in (0.91, 0.92, 0.93)]
    threshold, margin, _ = tune_threshold(right + oos)
    result = abstention(right + oos, threshold, margin)
    assert result["oos_recall"] == 1.0 and result["inscope_accuracy"] == 1.0
    assert -0.01 <= margin <= 0.05


def test_run_benchmark_end_to_end_through_the_suggester(data, tmp_path, settings):  # noqa: F811
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        report = run_benchmark("banking77", settings, HashEmbedder(), data, tmp_path / "w", cache)
        again = run_benchmark("banking77", settings, HashEmbedder(), data, tmp_path / "w", cache)
        clinc = run_benchmark("clinc150", settings, HashEmbedder(), data, tmp_path / "w", cache)
    assert report["n"] == 2 and report["entries"] == 2
    assert report["config"] == config_label(settings) == "hash t=0.02 hybrid w=0.02/fa=0.03"
    assert {"hit@1", "hit@3", "hit@5", "mrr", "hit@1_ci95", "latency_ms"} <= set(report)
    assert report["embedded_at_build"] > 0 and again["embedded_at_build"] == 0
    assert again["embedded_queries"] == 0  # the second run reads every vector from cache
    assert "threshold" in clinc["abstention"] and clinc["abstention"]["tuned_on"].startswith("dev")


def test_reports_write_json_markdown_and_a_chart(tmp_path):
    run = {
        "bench": "massive-fa",
        "split": "test",
        "config": "e5 doc=query t=0.02",
        "n": 168,
        "hit@1": 0.81,
        "hit@3": 0.9,
        "hit@5": 0.93,
        "mrr": 0.86,
        "hit@1_ci95": [0.74, 0.86],
        "latency_ms": {"p50": 14.0, "p95": 20.0},
    }
    write_run(tmp_path, run)
    write_run(tmp_path, {**run, "config": "hash t=0.02", "hit@1": 0.5})
    table, chart = write_summary(tmp_path)
    assert len(load_runs(tmp_path)) == 2
    text = table.read_text()
    assert "| massive-fa | test | e5 doc=query t=0.02 | 168 | 0.810 (0.74–0.86)" in text
    assert chart is not None and chart.read_bytes()[:4] == b"\x89PNG"


def test_golden_evaluation_groups_by_language_and_style(suggester, tmp_path):
    golden = tmp_path / "golden.yaml"
    rows = [
        {
            "expect": "order-late",
            "lang": "en",
            "mood": "frustrated",
            "text": "parcel still not here, late",
        },
        {
            "expect": "order-late",
            "lang": "fa",
            "style": "finglish",
            "mood": "calm",
            "text": "sefaresham dir shode",
        },
        {"expect": "password-reset", "lang": "en", "mood": "calm", "text": "forgot my password"},
    ]
    golden.write_text(json.dumps(rows), encoding="utf-8")  # JSON is YAML
    report = evaluate_golden(suggester, load_golden(golden))
    assert set(report["groups"]) == {"all", "en", "fa", "fa/finglish"}
    assert report["groups"]["en"]["n"] == 2
    assert 0 <= report["mood_accuracy"] <= 1


def test_eval_command_on_benchmarks(data, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ASSIST_EMBEDDER", "hash")
    runner = CliRunner()
    reports = tmp_path / "reports"
    result = runner.invoke(
        main,
        [
            "eval",
            "--bench",
            "massive-fa",
            "--bench",
            "bitext-b",
            "--data",
            str(data),
            "--reports",
            str(reports),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [r["bench"] for r in runs] == ["massive-fa", "bitext-b"]
    assert (reports / "summary.md").exists() and (reports / "summary.png").exists()
    dev = runner.invoke(
        main,
        [
            "eval",
            "--bench",
            "banking77",
            "--split",
            "dev",
            "--set",
            "aggregation_temperature=0",
            "--data",
            str(data),
            "--reports",
            str(reports),
        ],
    )
    assert dev.exit_code == 0, dev.output
    assert "hash t=0" in dev.output
    missing = runner.invoke(main, ["eval", "--bench", "banking77", "--data", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "not found" in missing.output
    unknown = runner.invoke(main, ["eval", "--bench", "nope", "--data", str(data)])
    assert unknown.exit_code == 2
    assert runner.invoke(main, ["eval"]).exit_code == 2


def test_replay_on_a_public_benchmark(data, tmp_path):  # noqa: F811
    """--replay --bench: the benchmark's own entries are built and its one-answer
    queries replayed, not the golden set."""
    runner = CliRunner()
    args = ["eval", "--replay", "--bench", "banking77", "--embedder", "hash"]
    args += ["--data", str(data), "--reports", str(tmp_path), "--json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["bench"] == "banking77" and report["split"] == "test"
    assert report["train"] + report["test"] == 2  # the test split minus its train duplicate
    assert 0.0 <= report["hit@1_before"] <= 1.0 and "hit@1_after" in report
    assert Path(report["png"]) == tmp_path / "replay-banking77.png"
    assert Path(report["png"]).read_bytes()[:4] == b"\x89PNG"
    unknown = runner.invoke(main, [*args[:3], "nope", "--data", str(data)])
    assert unknown.exit_code != 0 and "unknown benchmark" in unknown.output
