"""`assist import`: helpdesk exports into playbook files that `assist validate` accepts,
drafts kept out of the playbooks folder, snippet proposals into the store's queue."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assist.cli import main
from conftest import DATA, FIXTURE_PLAYBOOKS

IMPORTS = DATA / "imports"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working copy: playbooks/ with the fixture library, run from its root."""
    shutil.copytree(FIXTURE_PLAYBOOKS, tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSIST_PLAYBOOKS_DIR", "playbooks")
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_lists_import():
    assert "import" in run("--help").output
    assert "--format" in run("import", "--help").output


def test_chatwoot_export_goes_to_drafts_and_the_library_still_validates(project):
    result = run("import", str(IMPORTS / "chatwoot.json"), "--format", "chatwoot")
    assert result.exit_code == 0, result.output
    for line, why in ((18, "empty reply text"), (26, "short_code"), (41, "found str")):
        assert f"chatwoot.json:{line}: " in result.stderr and why in result.stderr
    assert "imported 4, skipped 3" in result.stderr
    assert "{{agent.name}} became [[your name]]" in result.stderr  # a note, not with -q
    assert "order-delayed (line 2): 3 more en" in result.stderr
    drafts = project / "playbooks-drafts" / "imported.yaml"
    assert drafts.is_file() and not (project / "playbooks" / "imported.yaml").exists()
    assert "# Draft entries from `assist import chatwoot.json` (chatwoot)." in drafts.read_text()
    assert run("validate", "playbooks").exit_code == 0
    checked = run("validate", "playbooks-drafts", "-q")
    assert checked.exit_code == 1
    assert checked.stderr.count("write at least 3") == 4  # one per draft, nothing else


def test_plain_csv_with_examples_writes_entries_the_validator_accepts(project):
    result = run("import", str(IMPORTS / "plain.csv"), "--format", "csv", "-q")
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.stderr  # -q: skipped rows and the summary only
    assert "plain.csv:12: lang 'de' is not supported" in result.stderr
    assert "2 entries ready → playbooks/imported.yaml" in result.stderr
    assert "delivery-address-change (line 11): 3 more en" in result.stderr
    checked = run("validate", "playbooks")
    assert checked.exit_code == 0, checked.stderr
    assert "5 entries in 2 file(s): 0 error(s)" in checked.stderr


def test_existing_files_need_force_and_library_ids_are_not_reused(project):
    export = project / "ours.csv"
    export.write_text(
        "title,text,examples\n"
        'Order late,"Sorry {{customer_name}}, [[what the courier says]]",'
        '"late | where is it | overdue"\n',
        "utf-8",
    )
    first = run("import", str(export), "--format", "csv")
    assert first.exit_code == 0, first.output
    assert "'order-late' is already in the library: named 'order-late-2'" in first.stderr
    again = run("import", str(export), "--format", "csv")
    assert again.exit_code == 1 and "exists: pass --force" in again.stderr
    forced = run("import", str(export), "--format", "csv", "--force")
    assert forced.exit_code == 0 and "named 'order-late-2'" in forced.stderr  # not -3
    assert run("validate", "playbooks").exit_code == 0


def test_drafts_may_not_go_into_the_playbooks_folder(project):
    result = run(
        "import",
        str(IMPORTS / "zendesk_macros.json"),
        "--format",
        "zendesk",
        "--drafts",
        "playbooks/drafts/zendesk.yaml",
    )
    assert result.exit_code == 2 and "outside playbooks/" in result.stderr


def test_an_unreadable_export_fails_with_file_and_line(project):
    result = run("import", str(IMPORTS / "plain.csv"), "--format", "zendesk")
    assert result.exit_code == 1
    assert "plain.csv:1: not valid JSON" in result.stderr


def test_nothing_importable_exits_1(project):
    # Chatwoot items read as macros: none has a title.
    result = run("import", str(IMPORTS / "chatwoot.json"), "--format", "zendesk")
    assert result.exit_code == 1
    assert "imported 0, skipped 7" in result.stderr


def test_snippets_as_json_carry_exactly_the_proposal_fields(project):
    base = ["import", str(IMPORTS / "freshdesk.json"), "--format", "freshdesk"]
    assert run(*base, "--as", "snippets").exit_code == 2  # no --author, --team
    result = run(
        *base, "--as", "snippets", "--author", "sara", "--team", "support", "--out", "p.json"
    )
    assert result.exit_code == 0, result.output
    proposals = json.loads((project / "p.json").read_text("utf-8"))
    assert [p["title"] for p in proposals] == ["Payment failed but money taken", "کد تایید نرسید"]
    fields = {"author", "team", "visibility", "replies", "triggers", "entry_id", "title"}
    assert set(proposals[1]) == fields
    assert "2 proposals use the title as the only trigger" in result.stderr


def test_snippets_go_to_the_review_queue_and_refusals_keep_their_line(project):
    export = project / "canned.csv"
    export.write_text(
        "short_code,content\n"
        'refund_status,"{{contact.name}} عزیز، بازگشت وجه شما ثبت شد."\n'
        'contact_us,"Write to refunds.team@example.com and we answer the same day."\n',
        "utf-8",
    )
    args = ["import", str(export), "--format", "chatwoot", "--as", "snippets"]
    result = run(*args, "--author", "sara", "--team", "support")
    assert result.exit_code == 0, result.output
    assert "canned.csv:3: contact-us: snippet refused: personal data" in result.stderr
    assert "1 snippet proposal → the review queue" in result.stderr
    from assist.cli.snippets import open_store

    with open_store() as store:
        (queued,) = store.snippets.list(status="proposed")
    assert (queued.author, queued.team, queued.visibility) == ("sara", "support", "team")
    assert queued.replies == {"fa": ("{{customer_name}} عزیز، بازگشت وجه شما ثبت شد.",)}
    assert queued.triggers == ("refund status",)
