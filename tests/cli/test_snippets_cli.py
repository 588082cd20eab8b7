"""`assist snippets`, `assist keys --db` and the reindex that folds snippets in."""

import json

import pytest
from click.testing import CliRunner

from assist.cli import main
from assist.core.embed import HashEmbedder
from assist.core.index import load_index
from conftest import FIXTURE_PLAYBOOKS

GIFT = "can you gift wrap my order please"


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_EMBEDDER", "hash")
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_PLAYBOOKS_DIR", str(FIXTURE_PLAYBOOKS))
    monkeypatch.setenv("ASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'assist.sqlite'}")
    return CliRunner()


def run(runner, *args):
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def propose(runner, author="sara", text="We can gift-wrap it, {{customer_name}}: [[paper]]"):
    out = run(runner, "snippets", "propose", "--author", author, "--team", "support",
              "--text", text, "--trigger", GIFT, "--trigger", "gift wrapping please")  # fmt: skip
    return int(out.split()[1])


def test_propose_review_and_fold_into_the_next_version(runner, tmp_path):
    first, second = propose(runner), propose(runner, "reza", "Gift wrap costs [[price]]")
    queue = json.loads(run(runner, "snippets", "list", "--status", "proposed", "--json"))
    assert [s["id"] for s in queue] == [first, second]
    assert "approved" in run(runner, "snippets", "approve", str(first), "--reviewer", "lena")
    rejected = run(runner, "snippets", "reject", str(second), "--reviewer", "lena",
                   "--note", "we don't charge for it")  # fmt: skip
    assert "rejected" in rejected
    shown = json.loads(run(runner, "snippets", "show", str(second)))
    assert shown["review_note"] == "we don't charge for it"
    assert "snippets 1" in run(runner, "reindex", "-q")
    index = load_index(tmp_path / "index", HashEmbedder())
    assert f"snippet-{first}" in index.entries and f"snippet-{second}" not in index.entries
    assert index.scopes[f"snippet-{first}"].team == "support"
    assert index.snippet_change >= 3
    exported = run(runner, "snippets", "export")
    assert "author: sara" in exported and "gift" in exported.lower()


def test_a_review_of_a_missing_or_settled_snippet_fails_clearly(runner):
    missing = runner.invoke(main, ["snippets", "approve", "99", "--reviewer", "lena"])
    assert missing.exit_code != 0 and "99" in missing.output
    number = propose(runner)
    run(runner, "snippets", "approve", str(number), "--reviewer", "lena")
    again = runner.invoke(
        main, ["snippets", "reject", str(number), "--reviewer", "x", "--note", "n"]
    )
    assert again.exit_code != 0 and "approved" in again.output


def test_personal_data_in_a_proposal_is_refused(runner):
    result = runner.invoke(main, ["snippets", "propose", "--author", "sara", "--text",
                                  "Call me on 09121234567", "--trigger", GIFT])  # fmt: skip
    assert result.exit_code != 0 and "phone" in result.output


def test_authors_and_keys_in_the_database(runner):
    number = propose(runner)
    run(runner, "snippets", "approve", str(number), "--reviewer", "lena")
    rows = json.loads(run(runner, "snippets", "authors", "--json"))
    assert rows[0]["author"] == "sara" and rows[0]["approved"] == 1
    key = run(runner, "keys", "new", "--name", "nika", "--role", "lead", "--team", "support",
              "--db").splitlines()[0]  # fmt: skip
    assert key.startswith("ak_")
    listed = run(runner, "keys", "list", "--db")
    assert "nika\tlead\tsupport" in listed and "database" in listed
