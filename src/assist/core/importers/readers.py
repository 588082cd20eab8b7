"""Read helpdesk exports into rows (one canned response each, with its line), or say which
row can't be read and why.

Formats, from their public API shapes:
- Chatwoot canned responses: `GET /api/v1/accounts/{id}/canned_responses` returns
  `[{"id", "short_code", "content", ...}]`; or a CSV with `short_code,content` columns.
- Zendesk macros: `GET /api/v2/macros` returns `{"macros": [{"title", "active", "actions":
  [{"field": "comment_value" | "comment_value_html", "value": ...}, ...]}]}`; an older
  `comment_value` is `["channel:all", "text"]`. Titles use `::` for categories.
- Freshdesk canned responses: `GET /api/v2/canned_response_folders/{id}/responses` returns
  `[{"id", "title", "content", "content_html", "folder_id", ...}]`.
- A plain CSV: `title,text[,lang][,examples]`; examples one per line in the cell, or `|`-separated.

JSON lines: the stdlib's pure-Python scanner is used with array and object parsers that
record where each value starts, so a row's line is the line its `{` is on.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.decoder import JSONArray, JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from typing import Any, Literal

from ...errors import AssistError, Problem

Format = Literal["chatwoot", "zendesk", "freshdesk", "csv"]
FORMATS: tuple[Format, ...] = ("chatwoot", "zendesk", "freshdesk", "csv")


class UnreadableExport(AssistError):
    """The file as a whole can't be read (not JSON, wrong shape, missing CSV columns)."""

    status_code = 422

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class Row:
    """One canned response as exported, before HTML and placeholders are converted."""

    line: int
    title: str
    key: str  # what the entry id is made of: the short code, or the full title
    body: str
    html: bool = False  # the body came from an HTML field
    lang: str | None = None  # given by the file (plain CSV); detected otherwise
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


Read = Iterator[Row | Problem]  # a Problem is a row that can't be imported


def read_rows(text: str, fmt: Format, source: str) -> Read:
    if fmt == "csv":
        return _plain_csv(text, source)
    if fmt == "chatwoot" and text.lstrip()[:1] not in ("[", "{"):
        return _chatwoot_csv(text, source)
    data, line_of = _load_json(text, source)
    readers: dict[str, Callable[[Any, _Lines, str], Read]] = {
        "chatwoot": _chatwoot_json,
        "zendesk": _zendesk,
        "freshdesk": _freshdesk,
    }
    return readers[fmt](data, line_of, source)


# ------------------------------------------------------------------ JSON with lines


class _List(list[Any]):
    offsets: list[int]


class _Dict(dict[str, Any]):
    offset: int


def _parse_array(s_and_end: tuple[str, int], scan_once: Any, *rest: Any) -> tuple[Any, int]:
    starts: list[int] = []

    def tracking(string: str, idx: int) -> Any:
        starts.append(idx)  # called once per element of this array, at its first character
        return scan_once(string, idx)

    values, end = JSONArray(s_and_end, tracking, *rest)
    located = _List(values)
    located.offsets = starts
    return located, end


def _parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
    values, end = JSONObject(s_and_end, *args)
    located = _Dict(values)
    located.offset = s_and_end[1] - 1
    return located, end


class _Lines:
    """Line numbers of the items of one array (or of one object)."""

    def __init__(self, text: str, offsets: list[int]):
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.offsets = offsets

    def at(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def __call__(self, index: int) -> int:
        return self.at(self.offsets[index]) if index < len(self.offsets) else 1


def _load_json(text: str, source: str) -> tuple[Any, _Lines]:
    decoder = json.JSONDecoder()
    decoder.parse_array = _parse_array  # type: ignore[attr-defined]
    decoder.parse_object = _parse_object  # type: ignore[attr-defined]
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise UnreadableExport(Problem(source, exc.lineno, f"not valid JSON: {exc.msg}")) from exc
    except RecursionError as exc:
        message = "JSON nested too deeply to be an export"
        raise UnreadableExport(Problem(source, 1, message)) from exc
    return data, _Lines(text, [])


def _items(data: Any, lines: _Lines, source: str, keys: tuple[str, ...], expected: str) -> Any:
    """The list of exported objects: the top level, or the list under one of `keys`; sets
    `lines.offsets` to where each item starts."""
    found = data if isinstance(data, list) else None
    if isinstance(data, dict):
        found = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
    if found is None:
        raise UnreadableExport(Problem(source, 1, f"expected {expected}"))
    offsets = getattr(found, "offsets", None)
    lines.offsets = offsets or [getattr(item, "offset", 0) for item in found]
    return found


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else ""


def _not_object(source: str, line: int, item: Any, what: str) -> Problem:
    return Problem(source, line, f"expected {what} object, found {type(item).__name__}")


def _chatwoot_json(data: Any, lines: _Lines, source: str) -> Read:
    if isinstance(data, dict) and "short_code" in data:
        data = [data]  # one canned response, as the show endpoint returns it
    expected = 'a Chatwoot canned responses export: [{"short_code": ..., "content": ...}]'
    items = _items(data, lines, source, ("payload", "canned_responses", "data"), expected)
    for i, item in enumerate(items):
        line = lines(i)
        if not isinstance(item, dict):
            yield _not_object(source, line, item, "a canned response")
        elif not _text(item, "short_code"):
            yield Problem(source, line, "canned response without a short_code")
        else:
            yield _chatwoot_row(line, _text(item, "short_code"), item.get("content"))


def _chatwoot_row(line: int, short_code: str, content: Any) -> Row:
    title = " ".join(re.split(r"[_\-\s]+", short_code.lstrip("/"))).strip()
    return Row(line, title or short_code, short_code, content if isinstance(content, str) else "")


def _zendesk(data: Any, lines: _Lines, source: str) -> Read:
    if isinstance(data, dict) and isinstance(data.get("macro"), dict):
        data = [data["macro"]]  # one macro, as the show endpoint returns it
    expected = 'a Zendesk macros export: {"macros": [{"title": ..., "actions": [...]}]}'
    for i, macro in enumerate(_items(data, lines, source, ("macros",), expected)):
        line = lines(i)
        if not isinstance(macro, dict):
            yield _not_object(source, line, macro, "a macro")
            continue
        title = _text(macro, "title")
        actions = macro.get("actions")
        if not title:
            yield Problem(source, line, "macro without a title")
        elif macro.get("active") is False:
            yield Problem(source, line, f"macro {title!r} is inactive in Zendesk: not imported")
        elif not isinstance(actions, list):
            yield Problem(source, line, f"macro {title!r} has no list of actions")
        else:
            yield _zendesk_row(source, line, title, actions)


def _zendesk_row(source: str, line: int, title: str, actions: list[Any]) -> Row | Problem:
    html = text = None
    public = True
    others: list[str] = []
    for action in actions:
        field = action.get("field") if isinstance(action, dict) else None
        value = action.get("value") if isinstance(action, dict) else None
        if field == "comment_value_html":
            html = _comment(value)
        elif field == "comment_value":
            text = _comment(value)
        elif field == "comment_mode_is_public":
            public = value not in (False, "false")
        elif isinstance(field, str):
            others.append(field)
    if not public:
        message = "is an internal note (comment_mode_is_public: false), not a reply"
        return Problem(source, line, f"macro {title!r} {message}")
    if html is None and text is None:
        sets = f"only sets {', '.join(others)}" if others else "has no comment action"
        return Problem(source, line, f"macro {title!r} {sets}: no reply text to import")
    parts = [part.strip() for part in title.split("::") if part.strip()]
    body = html if html is not None else text or ""
    return Row(line, parts[-1], title, body, html is not None, tags=tuple(parts[:-1]))


def _comment(value: Any) -> str | None:
    if isinstance(value, list):  # ["channel:all", "text"]
        texts = [v for v in value if isinstance(v, str) and not v.startswith("channel:")]
        return texts[-1] if texts else None
    return value if isinstance(value, str) else None


def _freshdesk(data: Any, lines: _Lines, source: str) -> Read:
    if isinstance(data, dict) and "title" in data:
        data = [data]  # one canned response, as the show endpoint returns it
    expected = 'a Freshdesk canned responses export: [{"title": ..., "content_html": ...}]'
    items = _items(data, lines, source, ("canned_responses", "responses"), expected)
    for i, item in enumerate(items):
        line = lines(i)
        if not isinstance(item, dict):
            yield _not_object(source, line, item, "a canned response")
        elif not _text(item, "title"):
            yield Problem(source, line, "canned response without a title")
        else:
            html = item.get("content_html")
            has_html = isinstance(html, str) and bool(html.strip())
            body = html if has_html else item.get("content")
            title = _text(item, "title")
            yield Row(line, title, title, body if isinstance(body, str) else "", has_html)


# ------------------------------------------------------------------ CSV


def _csv(text: str, source: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header (lower-case names) and each record with the line it starts on."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower().replace(" ", "_") for name in next(reader, [])]
    except csv.Error as exc:
        raise UnreadableExport(Problem(source, 1, f"unreadable CSV header: {exc}")) from exc
    if not any(header):
        raise UnreadableExport(Problem(source, 1, "empty file: expected a CSV header line"))

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                message = f"unreadable CSV: {exc}"
                raise UnreadableExport(Problem(source, reader.line_num, message)) from exc
            line, start = start, reader.line_num + 1
            if any(cell.strip() for cell in record):
                yield line, record

    return header, records()


def _columns(header: list[str], source: str, need: tuple[str, ...], kind: str) -> None:
    missing = [name for name in need if name not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        message = f"a {kind} CSV needs the columns {', '.join(need)} (found: {found})"
        raise UnreadableExport(Problem(source, 1, message))


def _cells(
    header: list[str], record: list[str], source: str, line: int
) -> dict[str, str] | Problem:
    if len(record) > len(header):
        message = (
            f"{len(record)} cells but the header has {len(header)}: "
            "a text with the delimiter in it needs double quotes around it"
        )
        return Problem(source, line, message)
    return {name: cell.strip() for name, cell in zip(header, record, strict=False)}


def _chatwoot_csv(text: str, source: str) -> Read:
    header, records = _csv(text, source)
    _columns(header, source, ("short_code", "content"), "Chatwoot")
    for line, record in records:
        cells = _cells(header, record, source, line)
        if isinstance(cells, Problem):
            yield cells
        elif not cells.get("short_code"):
            yield Problem(source, line, "canned response without a short_code")
        else:
            yield _chatwoot_row(line, cells["short_code"], cells.get("content", ""))


_EXAMPLE_SPLIT = re.compile(r"\s*(?:\r?\n|\|)\s*")


def _plain_csv(text: str, source: str) -> Read:
    header, records = _csv(text, source)
    if "text" not in header and "reply" in header:
        header = ["text" if name == "reply" else name for name in header]
    header = ["lang" if name == "language" else name for name in header]
    _columns(header, source, ("title", "text"), "plain")
    for line, record in records:
        cells = _cells(header, record, source, line)
        if isinstance(cells, Problem):
            yield cells
            continue
        title, lang = cells.get("title", ""), cells.get("lang", "").lower() or None
        if not title:
            yield Problem(source, line, "row without a title")
        elif lang not in (None, "en", "fa"):
            yield Problem(source, line, f"lang {lang!r} is not supported: write en or fa")
        else:
            examples = tuple(e for e in _EXAMPLE_SPLIT.split(cells.get("examples", "")) if e)
            yield Row(line, title, title, cells.get("text", ""), lang=lang, examples=examples)
