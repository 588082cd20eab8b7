"""`assist followups list | done | cancel`, on a SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from assist.cli import main
from assist.store.feedback import Store


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'assist.sqlite'}"
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_DATABASE_URL", url)
    store = Store(url)
    assert store.start()
    now = datetime.now(UTC)
    for owner, team, due in (
        ("sara", "support", -60),
        ("reza", "support", 3600),
        ("mina", "sales", 7200),
    ):
        store.followups.create(
            conversation_id=f"c-{owner}",
            customer_ref=None,
            channel="phone",
            due_at=now + timedelta(seconds=due),
            reason=f"Call {owner}'s customer back on 0912 345 6789",
            owner=owner,
            team=team,
            source="manual",
        )
    store.close()
    return url


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_list_shows_overdue_ones_and_filters(store_path):
    lines = run("followups", "list").strip().splitlines()
    assert [line.split("\t")[4] for line in lines] == ["sara", "reza", "mina"]
    assert lines[0].split("\t")[1] == "OVERDUE" and lines[1].split("\t")[1] == "open"
    assert "0912" not in "".join(lines) and "[phone]" in lines[0]
    assert [
        r["owner"] for r in json.loads(run("followups", "list", "--team", "support", "--json"))
    ] == ["sara", "reza"]
    assert json.loads(run("followups", "list", "--owner", "mina", "--json"))[0]["team"] == "sales"
    overdue = json.loads(run("followups", "list", "--overdue", "--json"))
    assert [(r["owner"], r["overdue"]) for r in overdue] == [("sara", True)]


def test_done_and_cancel_by_name_then_refused_twice(store_path):
    (first, second, _) = [r["id"] for r in json.loads(run("followups", "list", "--json"))]
    assert f"follow-up {first} done (by sara)" in run(
        "followups", "done", str(first), "--by", "sara"
    )
    assert "cancelled (by lena)" in run("followups", "cancel", str(second), "--by", "lena")
    again = run("followups", "cancel", str(first), "--by", "lena", code=1)
    assert "is done" in again
    assert "no follow-up 999" in run("followups", "done", "999", "--by", "sara", code=1)
    assert [
        r["owner"] for r in json.loads(run("followups", "list", "--status", "open", "--json"))
    ] == ["mina"]
    assert "--by" in run("followups", "done", str(first), code=2)
