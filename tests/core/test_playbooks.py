from pathlib import Path

import pytest
from click.testing import CliRunner

from assist.cli import main
from assist.core.playbooks import check_playbooks, load_playbooks
from assist.errors import PlaybookError
from conftest import BUNDLED_PLAYBOOKS, FIXTURE_PLAYBOOKS

BROKEN = """\
- id: transfer-delayed
  title: {en: Transfer has not arrived}
  mood: [furious]
  exmaples: {en: [a, b, c]}
  examples:
    en: ["one", "two", "three"]
    fa: ["یک"]
  replies:
    - id: explain
      en:
        - "{{customer_name}}, [[ ]] held {{Hold Hours}} hours"
        - "[[say what you checked"
    - id: explain
      de: ["x"]
- id: transfer-delayed
  title: {en: again}
  examples: {en: [a, b, c]}
  replies: [{id: r, en: [hi, hello there]}]
"""


def write(tmp_path: Path, text: str, name: str = "broken.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def messages(problems) -> list[str]:
    return [f"{p.line}: {p.message}" for p in problems if p.severity == "error"]


def test_every_problem_is_reported_at_once_with_its_line(tmp_path):
    _, problems = check_playbooks(write(tmp_path, BROKEN))
    found = messages(problems)
    expected = [
        "3: mood.1: Input should be 'calm', 'frustrated' or 'angry'",
        "4: unknown key 'exmaples' (did you mean 'examples'?)",
        "7: entry 'transfer-delayed' uses fa but has 1 fa example(s); write at least 3",
        "11: empty human slot '[[]]': write what the agent should add",
        "11: malformed data slot '{{Hold Hours}}': names are lower_snake_case, e.g. {{order_id}}",
        "12: unbalanced slot brackets: use {{name}} for data, [[hint]] for the agent",
        "13: duplicate reply id 'explain' in entry 'transfer-delayed'",
        "13: reply 'explain' has no text in any language (add en: or fa:)",
        "14: unknown key 'de'",
    ]
    for line in expected:
        assert line in found, line
    assert any(
        m.startswith("15: duplicate entry id 'transfer-delayed' (first defined at") for m in found
    )
    assert all(str(p).startswith(str(tmp_path / "broken.yaml") + ":") for p in problems)


def test_yaml_syntax_errors_and_duplicate_keys_carry_lines(tmp_path):
    write(tmp_path, "- id: a\n  title: {en: x\n", "syntax.yaml")
    write(tmp_path, "- id: b\n  title: {en: x}\n  title: {en: y}\n", "dupkey.yaml")
    _, problems = check_playbooks(tmp_path)
    text = [str(p) for p in problems]
    assert any("syntax.yaml:" in t and "YAML syntax error" in t for t in text)
    assert any(t.endswith("dupkey.yaml:3: duplicate key 'title'") for t in text)


def test_wrong_shapes_are_errors_not_crashes(tmp_path):
    write(tmp_path, "just a string\n", "a.yaml")
    write(tmp_path, "", "b.yaml")
    write(tmp_path, "- 42\n- {id: x, title: 5, examples: [1], replies: nope}\n", "c.yaml")
    write(tmp_path, "- {1: x}\n", "d.yaml")
    (tmp_path / "e.yaml").write_bytes(b"\xff\xfe bad bytes")
    _, problems = check_playbooks(tmp_path)
    files = {Path(p.path).name for p in problems if p.severity == "error"}
    assert files == {"a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml"}


def test_missing_directory_and_empty_directory(tmp_path):
    _, problems = check_playbooks(tmp_path / "nope")
    assert "not found" in problems[0].message
    _, problems = check_playbooks(tmp_path)
    assert "no *.yaml" in problems[0].message


def test_load_raises_with_all_errors(tmp_path):
    with pytest.raises(PlaybookError) as info:
        load_playbooks(write(tmp_path, BROKEN))
    assert len(info.value.problems) >= 10


def test_lint_flags_near_identical_variants_and_unbounded_promises(tmp_path):
    write(
        tmp_path,
        """\
- id: slow-thing
  title: {en: Slow thing}
  examples: {en: [a one, b two, c three]}
  replies:
    - id: r
      en:
        - "[[note]] We will fix it within 2 days, {{customer_name}}."
        - "[[note]] We will fix it within 2 days, {{customer_name}}!"
    - id: s
      en: ["[[x]] done in 5 days", "[[y]] we are on it"]
  promise_limit_hours: 72
""",
    )
    _, problems = check_playbooks(tmp_path)
    warnings = [p.message for p in problems if p.severity == "warning"]
    assert any("near-identical" in w for w in warnings)
    assert any("promises '5 days', beyond promise_limit_hours 72" in w for w in warnings)


def test_fixture_playbooks_load(tmp_path):
    playbooks = load_playbooks(FIXTURE_PLAYBOOKS)
    assert [e.id for e in playbooks.entries] == ["order-late", "password-reset", "angry-customer"]
    assert playbooks.origins["password-reset"].endswith("shop.yaml:31")
    assert set(playbooks.sources) == {"shop.yaml"}


def test_bundled_playbooks_are_lint_clean():
    _, problems = check_playbooks(BUNDLED_PLAYBOOKS)
    assert [str(p) for p in problems] == []


def test_validate_command_exit_codes(tmp_path):
    runner = CliRunner()
    clean = runner.invoke(main, ["validate", str(FIXTURE_PLAYBOOKS)])
    assert clean.exit_code == 0
    assert "3 entries in 1 file(s): 0 error(s)" in clean.output
    strict = runner.invoke(main, ["validate", "--strict", str(FIXTURE_PLAYBOOKS)])
    assert strict.exit_code == 1
    broken = runner.invoke(main, ["validate", str(write(tmp_path, BROKEN))])
    assert broken.exit_code == 1
    assert "broken.yaml:4: unknown key 'exmaples'" in broken.output
