"""`assist stats` and `assist stats gaps`, on a SQLite store seeded by tests/stats_seed.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assist.cli import main
from assist.store.feedback import Store
from stats_seed import FIRST, LAST, seed

PERIOD = ("--from", FIRST, "--to", LAST)


@pytest.fixture(autouse=True)
def store_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'assist.sqlite'}"
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_DATABASE_URL", url)
    monkeypatch.setenv("ASSIST_EMBEDDER", "hash")
    monkeypatch.setenv("COLUMNS", "160")  # rich tables unwrapped
    store = Store(url)
    assert store.start()
    seed(store)
    store.close()
    return url


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_json_is_the_apis_shape_with_gaps_clustered():
    report = json.loads(run("stats", *PERIOD, "--team", "support", "--json"))
    assert (report["from"], report["to"], report["team"]) == (FIRST, LAST, "support")
    assert report["answers"]["served"] == 5 and report["answers"]["no_match_rate"] == 0.2
    own = next(r for r in report["replies"] if r["key"] == "order-late/own-it")
    assert own["acceptance"] == 0.6667 and own["mean_edit_distance"] == 10.5
    assert report["checks"]["over_promise"] == 2
    assert report["gaps"] == {"kept": 3, "clusters": 1}
    every = json.loads(run("stats", *PERIOD, "--json"))
    assert every["team"] is None and every["answers"]["served"] == 6


def test_tables_in_the_terminal():
    out = run("stats", *PERIOD, "--team", "support")
    assert "5 answers served: 60% matched, 20% weak, 20% no match" in out
    assert "order-late/own-it" in out and "67%" in out
    assert "Drafts checked: 4 · recital 50% · over-promise 50%" in out
    assert "Gaps: 3 unmatched messages kept, 1 clusters" in out


def test_png_charts(tmp_path):
    charts = tmp_path / "charts"
    run("stats", *PERIOD, "--team", "support", "--png", str(charts))
    names = sorted(p.name for p in charts.iterdir())
    assert names == ["acceptance.png", "contributors.png", "gaps.png", "matches.png", "recital.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts.iterdir())


def test_gaps_export_skeletons_that_validate(tmp_path):
    out = run("stats", "gaps", *PERIOD, "--team", "support")
    assert "gift card" in out and "3 messages read, 1 clusters, 0 in none" in out
    drafts = tmp_path / "drafts"
    run("stats", "gaps", *PERIOD, "--team", "support", "--export", str(drafts))
    (skeleton,) = drafts.iterdir()
    assert skeleton.name.startswith("gap-en-1-") and skeleton.suffix == ".yaml"
    result = CliRunner().invoke(main, ["validate", str(drafts)])
    assert result.exit_code == 0, result.output
    assert "1 entries in 1 file(s): 0 error(s)" in result.output
    gaps = json.loads(run("stats", "gaps", *PERIOD, "--json", "--threshold", "1"))
    assert gaps["clusters"] == [] and gaps["unclustered"] == 4 and gaps["threshold"] == 1.0


def test_bad_dates_are_refused():
    out = run("stats", "--from", "2025-03-05", "--to", "2025-03-01", code=1)
    assert "from 2025-03-05 is after to 2025-03-01" in out
    out = run("stats", "gaps", "--from", "March", code=1)
    assert "from 'March': a date as YYYY-MM-DD" in out
