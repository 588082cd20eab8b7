"""`assist check` and `assist eval --coach` from the command line (hashing embedder)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assist.cli import main
from conftest import FIXTURE_PLAYBOOKS


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_EMBEDDER", "hash")
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_PLAYBOOKS_DIR", str(FIXTURE_PLAYBOOKS))
    runner = CliRunner()
    built = runner.invoke(main, ["reindex", "-q", "--no-snippets"])
    assert built.exit_code == 0, built.output
    return runner


def test_check_prints_findings_with_hints(runner):
    result = runner.invoke(
        main,
        ["check", "That's not possible, guaranteed.", "--message", "can I change my order?"],
    )
    assert result.exit_code == 0, result.output
    assert "bare_refusal" in result.output and "«That's not possible»" in result.output
    assert "over_promise" in result.output and "→ " in result.output


def test_check_json_with_history_from_a_file_and_a_name(runner, tmp_path):
    history = tmp_path / "turns.json"
    history.write_text(
        json.dumps([{"role": "agent", "text": "Your parcel left the Tehran hub this morning."}]),
        "utf-8",
    )
    result = runner.invoke(
        main,
        [
            "check",
            "Your parcel left the Tehran hub this morning. I'll call you tomorrow.",
            "--message",
            "where is my parcel??? third time I ask!!",
            "--mood",
            "angry",
            "--name",
            "Sara",
            "--history",
            str(history),
            "--suggestion-id",
            "order-late/check-tracking/en/0",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    codes = {f["code"] for f in data["findings"]}
    assert {"repeated", "no_name", "no_apology", "follow_up"} <= codes
    assert data["follow_up"]["channel"] == "phone" and data["entry_id"] == "order-late"


def test_check_reads_the_draft_from_stdin(runner):
    result = runner.invoke(main, ["check", "-", "--json"], input="تقصیر خودتونه.")
    assert result.exit_code == 0, result.output
    assert [f["code"] for f in json.loads(result.output)["findings"]] == ["blames_customer"]


@pytest.mark.parametrize(
    ("content", "says"),
    [("{not json", "line 1"), ('{"role": "agent"}', "JSON list of turns")],
)
def test_a_bad_history_file_is_a_clear_error(runner, tmp_path, content, says):
    history = tmp_path / "turns.json"
    history.write_text(content, "utf-8")
    result = runner.invoke(main, ["check", "hello", "--history", str(history)])
    assert result.exit_code == 2 and says in result.output


def test_an_empty_draft_is_a_clear_error(runner):
    result = runner.invoke(main, ["check", "  "])
    assert result.exit_code == 1 and "draft is empty" in result.output


def test_eval_coach_scores_a_labelled_set_by_split(runner, tmp_path):
    drafts = tmp_path / "drafts.yaml"
    drafts.write_text(
        """
- {id: d-001, message: "can I change it?", mood: calm, draft: "That's not possible.",
   expect: [bare_refusal]}
- {id: d-002, message: "can I change it?", mood: calm, draft: "Not possible, sorry.",
   expect: [bare_refusal]}
- {id: d-003, message: "where is it?", mood: calm, draft: "It left the hub today.", expect: []}
""",
        "utf-8",
    )
    result = runner.invoke(main, ["eval", "--coach", str(drafts), "--split", "dev", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 2 and report["exact_match"] == 1.0
    assert report["codes"]["bare_refusal"]["precision"] == 1.0
    table = runner.invoke(main, ["eval", "--coach", str(drafts), "--split", "test"])
    assert table.exit_code == 0 and "bare_refusal" in table.output and "n=1" in table.output
