"""Terminal presentation of suggestions: rich panels, with Persian laid out right to left.

Most terminals do not run the Unicode bidi algorithm, so Persian would print backwards.
When asked (`--bidi`, on by default for a terminal) each line is wrapped in logical
order first and then reordered for display (bidi_display.py: brackets and «» mirrored),
so wrapped RTL paragraphs read top-down. Every line of a paragraph keeps the paragraph's
direction: a Persian reply that starts with "Sara" stays right to left, and an English
label with a Persian quote in it stays left to right.
"""

from __future__ import annotations

import textwrap
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from ..core.text import detect_script
from .bidi_display import bidi_class, visual


def is_rtl(text: str) -> bool:
    """A paragraph's direction: Persian (or mostly Persian) text is right to left, even
    when it starts with a Latin name; mixed text goes by its first strong letter."""
    script = detect_script(text)
    if script != "mixed":
        return script == "fa"
    for char in text:
        kind = bidi_class(char)
        if kind in ("R", "AL", "L"):
            return kind != "L"
    return False


def visual_lines(text: str, width: int, bidi: bool, rtl: bool | None = None) -> list[str]:
    """`text` wrapped to `width` in logical order, then each line in visual order (when
    `bidi`) with the direction of the paragraph it came from (`rtl`, else guessed)."""
    out = []
    for paragraph in text.splitlines() or [""]:
        lines = textwrap.wrap(paragraph, width) or [""]
        if bidi:
            direction = is_rtl(paragraph) if rtl is None else rtl
            lines = [visual(line, direction) for line in lines]
        out.extend(lines)
    return out


def _block(text: str, width: int, bidi: bool, style: str = "", rtl: bool | None = None) -> Text:
    rtl = is_rtl(text) if rtl is None else rtl
    # Pre-wrapped to the panel's inner width, so rich must not wrap again.
    block = Text(
        "\n".join(visual_lines(text, width, bidi, rtl)), style=style, no_wrap=True, overflow="crop"
    )
    block.justify = "right" if rtl and bidi else "left"
    return block


def print_result(console: Console, result: dict[str, Any], bidi: bool) -> None:
    """`result` is the JSON shape of a suggest answer (from the library or the API)."""
    width = min(console.width, 100) - 4  # panel borders and padding
    signals = result["signals"]
    cues = f" ({', '.join(signals['mood_cues'])})" if signals.get("mood_cues") else ""
    console.print(
        f"[bold]lang[/] {signals['lang']} · [bold]mood[/] {signals['mood']}{cues} · "
        f"[bold]questions[/] {len(signals['questions'])} · [bold]index[/] "
        f"{result.get('index_version', '?')} · {result['took_ms']} ms"
        + (" · [yellow]message truncated to the model's limit[/]" if signals["truncated"] else "")
    )
    if result["no_match"]:
        console.print(
            f"[yellow]No confident suggestion[/] (best similarity "
            f"{result.get('best_score', 0):.3f}). Write this one yourself."
        )
        return
    many = len(signals["questions"]) > 1
    for n, s in enumerate(result["suggestions"], 1):
        rtl = s["lang"] == "fa"  # the reply's own language sets its direction
        parts: list[Any] = [_block(s["text"], width, bidi, rtl=rtl)]
        human = [slot["hint"] for slot in s["slots"] if slot["kind"] == "human"]
        data = [slot["name"] for slot in s["slots"] if slot["kind"] == "data"]
        # English labels: left to right, whatever they quote.
        if human:
            label = "to write yourself: " + " · ".join(human)
            parts.append(_block(label, width, bidi, style="magenta", rtl=False))
        if data:
            parts.append(
                _block("to fill: " + ", ".join(data), width, bidi, style="cyan", rtl=False)
            )
        for line in s["guidance"]:
            parts.append(_block("• " + line, width, bidi, style="dim", rtl=rtl))
        why = s["why"]
        parts.append(
            _block(
                # The number first: after a Persian quote it would join the quote's run.
                f"matched {why['kind']} ({why['similarity']:.3f}): {why['text']}",
                width,
                bidi,
                style="dim italic",
                rtl=False,
            )
        )
        title = f"{n} · {s['title']}"
        if bidi and detect_script(s["title"]) != "en":
            title = f"{n} · {visual(s['title'], is_rtl(s['title']))}"
        subtitle = f"{s['entry_id']}/{s['reply_id']} · score {s['score']:.3f}"
        if many:
            subtitle += f" · answers question {s['question'] + 1}"
        if s["fallback_lang"]:
            subtitle += f" · [yellow]only in {s['lang']}[/]"
        console.print(
            Panel(
                Group(*parts),
                title=title,
                subtitle=subtitle,
                width=width + 4,
                title_align="left",
                subtitle_align="right",
            )
        )
