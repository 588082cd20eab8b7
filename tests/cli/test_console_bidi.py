"""`assist suggest --bidi`: Persian printed in visual order for a terminal without bidi,
brackets and «» mirrored, and every line in its paragraph's direction."""

from __future__ import annotations

import random

import pytest
from bidi import get_display
from click.testing import CliRunner

from assist.cli import main
from assist.cli.bidi_display import MIRROR, visual
from assist.cli.console import visual_lines
from conftest import FIXTURE_PLAYBOOKS

# (logical, right to left?, what a left-to-right terminal must print)
CASES = [
    # Brackets and «» around Persian or Latin inside a Persian line are mirrored (L4).
    ("سفارش (A-1042) رسید", True, "دیسر (A-1042) شرافس"),
    ("گفت «سلام» به من", True, "نم هب «مالس» تفگ"),
    ("کد [تخفیف] را بزنید", True, "دینزب ار [فیفخت] دک"),
    (
        "Sara عزیز، سفارش A-1042 را بررسی کردم: [[وضعیت رهگیری]].",
        True,
        ".[[یریگهر تیعضو]] :مدرک یسررب ار A-1042 شرافس ،زیزع Sara",
    ),
    # Numbers keep their order; a Persian line that starts with a Latin name stays RTL.
    ("ساعت 10:30 تا 12", True, "12 ات 10:30 تعاس"),
    ("مبلغ ۱۲۰۰ تومان برای order A-1 (دو بار)", True, "(راب ود) order A-1 یارب ناموت ۱۲۰۰ غلبم"),
    # An English line quoting Persian stays left to right; its brackets are not mirrored.
    ("to fill: «سلام» (order_id)", False, "to fill: «مالس» (order_id)"),
    ("Hello (Sara)!", False, "Hello (Sara)!"),
    # Trailing spaces stay at the end of the line (L1); ZWNJ stays inside its word.
    ("می\u200cخواهم  ", True, "  مهاوخ\u200cیم"),
    # Isolates and embeddings are invisible controls a terminal can't use: dropped.
    ("سلام \u2068Sara\u2069!", True, "!Sara مالس"),
]


@pytest.mark.parametrize(("logical", "rtl", "expected"), CASES)
def test_visual_order(logical, rtl, expected):
    assert visual(logical, rtl) == expected


def test_visual_order_matches_python_bidi_apart_from_mirroring():
    # python-bidi's Rust core (unicode-bidi) reorders by the same algorithm, without L4:
    # on random mixed text the order must agree, character for character. (Tabs and
    # boundary neutrals are left out: the Rust core skips L1 for tabs, and where a ZWNJ
    # goes between levels is not part of the algorithm's conformance.)
    alphabet = [
        *"abZ سلامب0123۱۲٣٤+-$%#,.:/ ()[]{}«»<>!?",
        "\u064b",  # a nonspacing mark
        "\u05d0",  # Hebrew: R, not AL
        "\u0660",  # an Arabic-Indic digit: AN
        "\u00a0",
    ]
    rng = random.Random(20261207)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        for rtl in (False, True):
            assert visual(text, rtl, mirror=False) == get_display(
                text, base_dir="R" if rtl else "L"
            ), (text, rtl)


def test_mirroring_only_touches_right_to_left_runs():
    mirrored = visual("(x) «ب» [ج]", rtl=True)
    assert mirrored == "[ج] «ب» (x)"
    assert all(MIRROR[MIRROR[c]] == c for c in MIRROR)


def test_wrapped_persian_paragraph_keeps_its_direction_on_every_line():
    # Wrapped in logical order, each line then reordered right to left, even the first
    # line, which starts with a Latin name (python-bidi alone turns it left to right).
    text = "Sara عزیز، سفارش A-1042 را بررسی کردم (دیروز) و «فردا» می‌رسد."
    lines = visual_lines(text, 24, bidi=True, rtl=True)
    logical = visual_lines(text, 24, bidi=False)
    assert len(lines) == len(logical) > 1
    assert lines[0] == visual(logical[0], rtl=True)
    assert lines[0].endswith("Sara") and "،زیزع" in lines[0]
    assert "(زورید)" in "".join(lines) and ")زورید(" not in "".join(lines)
    assert "«ادرف»" in "".join(lines)


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_EMBEDDER", "hash")
    monkeypatch.setenv("ASSIST_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSIST_PLAYBOOKS_DIR", str(FIXTURE_PLAYBOOKS))
    runner = CliRunner()
    assert runner.invoke(main, ["reindex", "-q"]).exit_code == 0
    return runner


def test_suggest_bidi_prints_a_persian_reply_in_visual_order(runner):
    args = ["suggest", "سفارشم دیر شده", "--name", "Sara", "--customer", "order_id=A-1042"]
    result = runner.invoke(main, [*args, "--bidi", "--conversation", "c-bidi", "-k", "1"])
    assert result.exit_code == 0, result.output
    # The reply "Sara عزیز، سفارش A-1042 را بررسی کردم: [[وضعیت رهگیری]]." (or its
    # other wording): right to left from "Sara", the [[…]] brackets turned to face in.
    assert "،زیزع Sara" in result.output
    assert ".[[یریگهر تیعضو]]" in result.output
    assert "]]یریگهر تیعضو[[" not in result.output
    plain = runner.invoke(main, [*args, "--no-bidi", "--conversation", "c-plain", "-k", "1"])
    assert "Sara عزیز، " in plain.output  # logical order, for a terminal that does bidi
    assert "[[وضعیت رهگیری]]." in plain.output
