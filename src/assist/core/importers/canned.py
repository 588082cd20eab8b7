"""From an export file to canned responses in our terms: plain text, our slots, a language;
every row that can't be converted is a `Problem` at its line, never dropped silently."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import Problem
from ..playbooks import MAX_TEXT_CHARS
from ..render import template_problems
from ..schemas import Lang, clean_text
from ..text import reply_language
from .html import html_to_text, looks_like_html, plain_text
from .placeholders import VARIABLE, map_placeholders
from .readers import Format, Row, UnreadableExport, read_rows

MAX_EXPORT_BYTES = 20 << 20  # a helpdesk with 5,000 macros exports a few MB


@dataclass(frozen=True)
class Canned:
    """One canned response, converted: `text` is a valid reply template in `lang`."""

    line: int
    title: str
    key: str
    lang: Lang
    text: str
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    source: str
    format: Format
    items: tuple[Canned, ...]
    # errors: rows not imported (one or more per row); warnings: notes on imported rows
    problems: tuple[Problem, ...]
    skipped: int  # rows not imported

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


def read_export(path: Path, fmt: Format) -> Parsed:
    """Parse the export at `path`; raises UnreadableExport when the file as a whole can't
    be read (too big, not UTF-8, not the format's shape)."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise UnreadableExport(Problem(source, 1, f"cannot read ({exc.strerror})")) from exc
    if len(raw) > MAX_EXPORT_BYTES:
        message = f"over {MAX_EXPORT_BYTES >> 20} MB: split the export"
        raise UnreadableExport(Problem(source, 1, message))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text ({exc.reason} at byte {exc.start}): save the export as UTF-8"
        raise UnreadableExport(Problem(source, line, message)) from exc
    return parse_export(text, fmt, source=source)


def parse_export(text: str, fmt: Format, *, source: str = "<export>") -> Parsed:
    items: list[Canned] = []
    problems: list[Problem] = []
    skipped = 0
    for row in read_rows(text.removeprefix("\ufeff"), fmt, source):
        canned, found = _convert(row, source) if isinstance(row, Row) else (None, [row])
        problems.extend(found)
        if canned is None:
            skipped += 1
        else:
            items.append(canned)
    return Parsed(source, fmt, tuple(items), tuple(problems), skipped)


def _convert(row: Row, source: str) -> tuple[Canned | None, list[Problem]]:
    """The row as a reply template with notes on what changed, or None and every reason
    it can't be one."""
    name = f"{row.key[:60]!r}"
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem(source, row.line, f"{name}: {message}"))

    body = clean_text(row.body)
    text = html_to_text(body) if row.html or looks_like_html(body) else plain_text(body)
    if not text:
        error("empty reply text")
        return None, problems
    # Detected on the words alone: `{{contact.name}}` would count as English letters.
    words_only = VARIABLE.sub(" ", text)
    lang: Lang = row.lang if row.lang in ("en", "fa") else reply_language(words_only)  # type: ignore[assignment]
    mapped = map_placeholders(text, lang)
    for message in mapped.errors:
        error(message)
    if not mapped.errors:
        for message in template_problems(mapped.text):
            error(message)
    if len(mapped.text) > MAX_TEXT_CHARS:
        error(
            f"reply is {len(mapped.text):,} characters; a playbook wording holds at most "
            f"{MAX_TEXT_CHARS:,}: shorten or split it"
        )
    title = " ".join(clean_text(row.title).split())
    if len(title) > MAX_TEXT_CHARS:
        error(f"title is {len(title):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    examples = tuple(dict.fromkeys(" ".join(clean_text(e).split()) for e in row.examples))
    for example in examples:
        if len(example) > MAX_TEXT_CHARS:
            error(f"an example is {len(example):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    if problems:
        return None, problems
    notes = [Problem(source, row.line, f"{name}: {n}", "warning") for n in mapped.notes]
    return Canned(row.line, title, row.key, lang, mapped.text, examples, row.tags), notes
