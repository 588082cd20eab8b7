"""Terminal presentation of suggestions: rich panels, with Persian laid out right to left.

Most terminals do not run the Unicode bidi algorithm, so Persian would print backwards.
When asked (`--bidi`, on by default for a terminal) each line is wrapped in logical
order first and then reordered for display, so wrapped RTL paragraphs read top-down.
"""

from __future__ import annotations

import textwrap
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from ..core.text import detect_script


def visual_lines(text: str, width: int, bidi: bool) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    if not bidi:
        return lines
    from bidi import get_display

    return [get_display(line) for line in lines]


def _block(text: str, width: int, bidi: bool, style: str = "") -> Text:
    rtl = detect_script(text) != "en"
    # Pre-wrapped to the panel's inner width, so rich must not wrap again.
    block = Text(
        "\n".join(visual_lines(text, width, bidi)), style=style, no_wrap=True, overflow="crop"
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
        parts: list[Any] = [_block(s["text"], width, bidi)]
        human = [slot["hint"] for slot in s["slots"] if slot["kind"] == "human"]
        data = [slot["name"] for slot in s["slots"] if slot["kind"] == "data"]
        if human:
            parts.append(
                _block("to write yourself: " + " · ".join(human), width, bidi, style="magenta")
            )
        if data:
            parts.append(_block("to fill: " + ", ".join(data), width, bidi, style="cyan"))
        for line in s["guidance"]:
            parts.append(_block("• " + line, width, bidi, style="dim"))
        why = s["why"]
        parts.append(
            _block(
                f"matched {why['kind']}: {why['text']} ({why['similarity']:.3f})",
                width,
                bidi,
                style="dim italic",
            )
        )
        title = f"{n} · {s['title']}"
        if bidi and detect_script(s["title"]) != "en":
            from bidi import get_display

            title = f"{n} · {get_display(s['title'])}"
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
