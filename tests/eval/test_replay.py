"""`assist eval --replay` with the hashing embedder on part of the golden set: the split,
the simulated agents, the report's keys, determinism, and that bad feedback costs at
most 0.01 of hit@1 (the e5 numbers are in the README)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assist.cli import main
from assist.core.embed import HashEmbedder
from assist.core.index import build_index, load_index
from assist.core.playbooks import load_playbooks
from assist.core.suggest import Query, Suggester
from assist.eval.evaluate import load_golden
from assist.eval.replay import Agents, _honest, _simulate, replay, split
from assist.settings import Settings
from conftest import BUNDLED_PLAYBOOKS, DATA

SITUATIONS = 8  # of the golden set's 50: 112 messages, 56 held out


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> tuple[Suggester, Path]:
    root = tmp_path_factory.mktemp("replay")
    embedder = HashEmbedder()
    build_index(load_playbooks(BUNDLED_PLAYBOOKS), embedder, root / "index")
    settings = Settings(_env_file=None, embedder="hash", index_dir=root / "index")  # type: ignore[call-arg]
    return Suggester(load_index(root / "index", embedder), embedder, settings), root


@pytest.fixture(scope="module")
def cases(bundled):
    everything = load_golden(DATA / "golden.yaml")
    chosen = sorted({c.expect for c in everything})[:SITUATIONS]
    return [c for c in everything if c.expect in chosen]


def test_the_split_is_half_of_every_situation_and_language(cases):
    train, test = split(cases, seed=3)
    assert len(train) == len(test) == len(cases) // 2
    assert not {c.text for c in train} & {c.text for c in test}
    sizes = Counter((c.expect, c.lang) for c in train)
    assert set(sizes.values()) == {3, 4} and len(sizes) == 2 * SITUATIONS
    assert split(cases, seed=3) == (train, test)
    assert split(cases, seed=4) != (train, test)


def test_honest_agents_take_the_right_reply_when_shown(bundled, cases):
    suggester, _ = bundled
    train = cases[:20]
    answers = [suggester.suggest(Query(c.text)) for c in train]
    sure = Agents(accept=1.0, examine=(1.0,), rewrite=0.0, dismiss=1.0, rounds=2)
    shows = _simulate(train, answers, sure, random.Random(0), _honest)
    assert len(shows) == 2 * sum(len(a.suggestions) for a in answers)
    accepted = sum(s.accepted for s in shows)
    shown_right = sum(
        any(s.entry_id == c.expect for s in a.suggestions)
        for c, a in zip(train, answers, strict=True)
    )
    assert accepted == 2 * shown_right > 0
    assert all(s.events == 3 if s.accepted else s.events == 2 for s in shows)
    never = _simulate(train, answers, Agents(rewrite=1.0), random.Random(0), _honest)
    assert not any(s.accepted for s in never)  # every taken reply was rewritten


def test_replay_reports_before_after_and_attacks(bundled, cases):
    suggester, _ = bundled
    report = replay(suggester, cases, seed=1, points=3)
    assert {"hit@1_before", "hit@1_after", "adversarial", "curve", "events"} <= report.keys()
    assert report["train"] == report["test"] == len(cases) // 2
    before = report["hit@1_before"]
    assert 0.3 < before <= 1.0 and 0.3 < report["hit@1_after"] <= 1.0
    attacks = report["adversarial"]
    assert attacks["one_key_dismisses"]["events"] == 2000
    for name in ("one_key_dismisses", "random_clicks"):
        assert attacks[name]["hit@1"] >= before - 0.01, name
    curve = report["curve"]
    assert curve[0] == [0, before] and curve[-1] == [report["events"], report["hit@1_after"]]
    assert [e for e, _ in curve] == sorted({e for e, _ in curve}) and len(curve) == 4
    assert report["priors"]["replies"] > 0 and 0 < report["priors"]["base_rate"] < 1
    assert suggester.priors == {}  # the suggester handed in is left as it was
    assert replay(suggester, cases, seed=1, points=3) == report


def test_the_cli_prints_json_and_draws_the_curve(bundled, cases, tmp_path):
    _, root = bundled
    small = tmp_path / "golden.yaml"
    small.write_text(yaml.safe_dump([vars(c) for c in cases[:42]], allow_unicode=True), "utf-8")
    png = tmp_path / "curve.png"
    args = ["eval", "--replay", "--golden", str(small), "--index", str(root / "index")]
    args += ["--embedder", "hash", "--seed", "2", "--reports", str(tmp_path)]
    args += ["--png", str(png), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["seed"] == 2 and report["test"] == 21 and report["png"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = CliRunner().invoke(main, args[:-1])
    assert text.exit_code == 0 and "hit@1 before" in text.output
