"""Load and validate playbooks (`playbooks/**/*.yaml`), reporting every problem as
`path:line: message`, all at once.

YAML is composed into nodes first so every value keeps its line (`playbook_yaml.py`,
which also bounds what a file may cost); the plain data is then validated by the
pydantic models in `schemas.py` and by the checks below.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import PlaybookError, Problem
from .playbook_yaml import Path_, Refused, compose
from .promises import find_time_promises
from .render import has_human_slot, strip_slots, template_problems
from .schemas import LANGS, Entry
from .text import normalise

MIN_EXAMPLES = 3  # per claimed language; fewer is an error
LINT_MIN_EXAMPLES = 8  # the bar for a good playbook; fewer is a warning
NEAR_IDENTICAL = 0.9  # variants at or above this normalised similarity read as one
# Bounds on what one file may cost `assist validate` and `reindex` (playbook_yaml.py has
# the YAML ones); each is far above what a real playbook needs.
MAX_FILE_BYTES = 1 << 20  # the largest bundled file is 104 KB; PyYAML parses ~0.5 MB/s
MAX_TEXT_CHARS = 2_000  # a title, example, guidance line or wording: the model reads ~512
# tokens (about this much), and the wording lint compares texts pairwise
MAX_WORDINGS = 20  # per reply and language (bundled: 3); the lint compares every pair


@dataclass
class _File:
    path: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        """Line of the nearest node on `path` (walking up to the parent if needed)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


@dataclass(frozen=True)
class Playbooks:
    entries: tuple[Entry, ...]
    sources: dict[str, str]  # path relative to the playbook dir -> sha256 of its bytes
    origins: dict[str, str]  # entry id -> "path:line"
    warnings: tuple[Problem, ...] = ()

    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}


def playbook_files(directory: Path) -> list[Path]:
    return _scan(directory)[0]


def _scan(directory: Path) -> tuple[list[Path], list[Problem]]:
    """`*.yaml`/`*.yml` files under `directory`, following directory symlinks. A symlink
    loop, a broken link or a special file named like a playbook is a problem: skipping
    it silently would drop its entries without a word."""
    files: list[Path] = []
    problems: list[Problem] = []
    top = directory.stat()
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [
        (directory, ((top.st_dev, top.st_ino),))
    ]
    while stack:  # not recursive: a deep tree must not overflow the stack
        folder, ancestors = stack.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            problems.append(Problem(str(folder), 1, f"cannot list this folder ({exc.strerror})"))
            continue
        for name in names:
            path = folder / name
            wanted = path.suffix in (".yaml", ".yml")
            try:
                info = path.stat()
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    problems.append(Problem(str(path), 1, "symlink loop: it never reaches a file"))
                elif wanted:
                    problems.append(Problem(str(path), 1, f"unreadable ({exc.strerror})"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if (info.st_dev, info.st_ino) in ancestors:
                    message = "symlink loop: it leads back to a folder that contains it"
                    problems.append(Problem(str(path), 1, message))
                else:
                    stack.append((path, (*ancestors, (info.st_dev, info.st_ino))))
            elif wanted and stat.S_ISREG(info.st_mode):
                files.append(path)
            elif wanted:
                problems.append(Problem(str(path), 1, "not a regular file"))
    return sorted(files), problems


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None when it is over MAX_FILE_BYTES (not read past that)."""
    with open(path, "rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    return raw if len(raw) <= MAX_FILE_BYTES else None


def load_playbooks(directory: Path, *, strict: bool = False) -> Playbooks:
    """Validated entries; raises PlaybookError with every error (and warnings if strict)."""
    playbooks, problems = check_playbooks(directory)
    errors = [p for p in problems if p.severity == "error" or strict]
    if errors:
        raise PlaybookError(errors)
    return playbooks


def check_playbooks(directory: Path) -> tuple[Playbooks, list[Problem]]:
    """Every entry that validates, and every problem (errors and lint warnings)."""
    if not directory.is_dir():
        problem = Problem(str(directory), 1, "playbook directory not found")
        return Playbooks((), {}, {}), [problem]
    files, problems = _scan(directory)
    if not files:
        problems.append(Problem(str(directory), 1, "no *.yaml playbook files found"))
        return Playbooks((), {}, {}), problems
    entries: list[Entry] = []
    sources: dict[str, str] = {}
    origins: dict[str, str] = {}
    first_seen: dict[str, str] = {}
    for file_path in files:
        shown = str(file_path)
        try:
            raw = _read(file_path)
        except OSError as exc:
            problems.append(Problem(shown, 1, f"cannot read this file ({exc.strerror})"))
            continue
        if raw is None:
            message = f"over {MAX_FILE_BYTES:,} bytes, the limit for one file: split it"
            problems.append(Problem(shown, 1, message))
            continue
        rel = file_path.relative_to(directory).as_posix()
        sources[rel] = hashlib.sha256(raw).hexdigest()
        for raw_id, entry, where, entry_problems in _load_file(shown, raw):
            problems.extend(entry_problems)
            if isinstance(raw_id, str) and raw_id in first_seen:
                problems.append(
                    Problem(
                        shown,
                        where,
                        f"duplicate entry id {raw_id!r} (first defined at {first_seen[raw_id]})",
                    )
                )
                continue
            if isinstance(raw_id, str):
                first_seen[raw_id] = f"{shown}:{where}"
            if entry is not None:
                origins[entry.id] = first_seen[entry.id]
                entries.append(entry)
    problems.extend(_lint_across(entries, origins))
    problems.sort(key=lambda p: (p.severity != "error", p.path, p.line))
    warnings = tuple(p for p in problems if p.severity == "warning")
    return Playbooks(tuple(entries), sources, origins, warnings), problems


_Loaded = tuple[Any, Entry | None, int, list[Problem]]  # raw id, entry if valid, line, problems


def _load_file(shown: str, raw: bytes) -> Iterable[_Loaded]:
    file = _File(shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        yield None, None, 1, [Problem(shown, 1, message)]
        return
    problems: list[Problem] = []
    try:
        data = compose(text, file.path, file.lines, problems)
    except Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        yield None, None, line, [Problem(shown, line, str(exc.problem))]
        return
    except yaml.reader.ReaderError as exc:  # a control character; PyYAML gives no line
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"control character U+{code:04X} is not allowed: remove it"
        yield None, None, line, [Problem(shown, line, message)]
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        yield None, None, line, [Problem(shown, line, f"YAML syntax error: {what}")]
        return
    if problems:  # duplicate or non-text keys: report them, then validate the rest
        yield None, None, 1, list(dict.fromkeys(problems))  # a merged mapping reports once
    if data is None:
        yield None, None, 1, [Problem(shown, 1, "file is empty: expected a list of entries")]
        return
    if isinstance(data, dict):
        items: list[tuple[Path_, Any]] = [((), data)]
    elif isinstance(data, list):
        items = [((i,), item) for i, item in enumerate(data)]
    else:
        yield None, None, 1, [Problem(shown, 1, "expected a list of entries at the top level")]
        return
    for base, item in items:
        line = file.line(base)
        if not isinstance(item, dict):
            message = "an entry must be a mapping with id, title, ..."
            yield None, None, line, [Problem(shown, line, message)]
            continue
        problems = _check_entry(item, file, base)
        try:
            entry = Entry.model_validate(item)
        except ValidationError as exc:
            problems += [_pydantic_problem(file, base, err) for err in exc.errors()]
            entry = None
        # the validated id: a `!!binary` one is bytes in the raw data, text in the entry
        yield (entry.id if entry else item.get("id")), entry, line, problems


_FIELDS: dict[str, list[str]] = {
    "entry": list(Entry.model_fields),
    "reply": ["id", "en", "fa"],
}


def _pydantic_problem(file: _File, base: Path_, err: Any) -> Problem:
    loc = tuple(err["loc"])
    line = file.line((*base, *loc))
    where = ".".join(str(part + 1) if isinstance(part, int) else part for part in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = _FIELDS["reply"] if "replies" in loc[:-1] else _FIELDS["entry"]
        close = difflib.get_close_matches(key, fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return Problem(file.path, line, f"unknown key {key!r}{hint}")
    if kind == "missing":
        return Problem(file.path, line, f"missing required key {where!r}")
    if kind == "string_pattern_mismatch":
        return Problem(file.path, line, f"{where}: must be kebab-case, e.g. 'transfer-delayed'")
    message = err["msg"].removeprefix("Value error, ")
    return Problem(file.path, line, f"{where}: {message}")


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _check_entry(item: dict[str, Any], file: _File, base: Path_) -> list[Problem]:
    """Checks beyond the schema. They read the raw mapping, so an entry with a schema
    error still gets every other problem reported in the same run."""
    problems: list[Problem] = []

    def error(path: Path_, message: str) -> None:
        problems.append(Problem(file.path, file.line((*base, *path)), message))

    def warn(path: Path_, message: str) -> None:
        problems.append(Problem(file.path, file.line((*base, *path)), message, "warning"))

    entry_id = _text(item.get("id"))
    title, examples, guidance = (_mapping(item.get(k)) for k in ("title", "examples", "guidance"))
    replies = [r for r in _list(item.get("replies")) if isinstance(r, dict)]
    limit = item.get("promise_limit_hours")
    limit = limit if isinstance(limit, int) else None
    if "title" in item and not any(title.get(lang) for lang in LANGS):
        error(("title",), "title needs at least one language (en or fa)")
    claimed = {lang for lang in LANGS if title.get(lang) or _strings(examples.get(lang))}
    for lang in LANGS:
        _check_length(title.get(lang), ("title", lang), error)
        for key, texts in (("examples", examples), ("guidance", guidance)):
            for i, text in enumerate(_strings(texts.get(lang))):
                _check_length(text, (key, lang, i), error)
    seen_replies: set[str] = set()
    for r, reply in enumerate(replies):
        reply_id = _text(reply.get("id"))
        if reply_id in seen_replies:
            error(("replies", r, "id"), f"duplicate reply id {reply_id!r} in entry {entry_id!r}")
        seen_replies.add(reply_id)
        reply_langs = [lang for lang in LANGS if _strings(reply.get(lang))]
        claimed.update(reply_langs)
        if not reply_langs:
            error(
                ("replies", r), f"reply {reply_id!r} has no text in any language (add en: or fa:)"
            )
        for lang in reply_langs:
            variants = _strings(reply.get(lang))
            if len(variants) > MAX_WORDINGS:
                error(
                    ("replies", r, lang),
                    f"reply {reply_id!r} has {len(variants)} {lang} wordings; "
                    f"the limit is {MAX_WORDINGS}",
                )
            for v, variant in enumerate(variants):
                if not _check_length(variant, ("replies", r, lang, v), error):
                    continue  # an over-long text gets one error, not every lint's cost
                for message in template_problems(variant):
                    error(("replies", r, lang, v), message)
                _lint_promises(limit, variant, lambda m, p=("replies", r, lang, v): warn(p, m))
            linted = [v for v in variants[:MAX_WORDINGS] if len(v) <= MAX_TEXT_CHARS]
            _lint_variants(linted, lambda m, p=("replies", r, lang): warn(p, m))
            if len(variants) < 2:
                warn(
                    ("replies", r, lang),
                    f"reply {reply_id!r} has one {lang} wording; "
                    "write a second so no customer reads the same line twice",
                )
    for lang in LANGS:
        if lang not in claimed:
            continue
        count = len(_strings(examples.get(lang)))
        if count < MIN_EXAMPLES and "examples" in item:  # a missing key is reported once, above
            error(
                ("examples", lang) if count else ("examples",),
                f"entry {entry_id!r} uses {lang} but has {count} {lang} example(s); "
                f"write at least {MIN_EXAMPLES}",
            )
        elif 0 < count < LINT_MIN_EXAMPLES:
            warn(("examples", lang), f"{count} {lang} examples; {LINT_MIN_EXAMPLES}+ match better")
        if replies and not any(_strings(reply.get(lang)) for reply in replies):
            warn(("replies",), f"no {lang} reply: {lang} conversations get a fallback language")
        if not _strings(guidance.get(lang)):
            warn(("guidance",), f"no {lang} guidance for the agent")
        if not title.get(lang):
            warn(("title",), f"no {lang} title")
    if len(replies) == 1:
        warn(("replies",), "only one reply; offer the agent a second approach")
    if replies and not any(
        has_human_slot(v) for reply in replies for lang in LANGS for v in _strings(reply.get(lang))
    ):
        warn(("replies",), "no [[human]] slot: leave the personal part to the agent")
    return problems


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "?"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_length(text: Any, path: Path_, error: Any) -> bool:
    """False (and an error) when `text` is over MAX_TEXT_CHARS."""
    if not isinstance(text, str) or len(text) <= MAX_TEXT_CHARS:
        return True
    where = ".".join(str(part + 1) if isinstance(part, int) else part for part in path)
    error(path, f"{where}: {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return False


def _lint_promises(limit: int | None, variant: str, warn: Any) -> None:
    for promise in find_time_promises(variant):
        if limit is None:
            warn(f"mentions a time ({promise.text!r}) but the entry sets no promise_limit_hours")
        elif promise.hours is not None and promise.hours > limit:
            warn(f"promises {promise.text!r}, beyond promise_limit_hours {limit}")


def variant_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(
        None, normalise(strip_slots(a)), normalise(strip_slots(b)), autojunk=False
    ).ratio()


def _lint_variants(variants: list[str], warn: Any) -> None:
    for i in range(len(variants)):
        for j in range(i + 1, len(variants)):
            similarity = variant_similarity(variants[i], variants[j])
            if similarity >= NEAR_IDENTICAL:
                warn(
                    f"wordings {i + 1} and {j + 1} are near-identical ({similarity:.2f}); "
                    "vary them so the customer never reads the same line twice"
                )


def _lint_across(entries: list[Entry], origins: dict[str, str]) -> list[Problem]:
    """An example shared by two entries makes retrieval a coin toss: flag it."""
    problems = []
    owner: dict[str, str] = {}
    for entry in entries:
        for lang in entry.examples.langs():
            for example in entry.examples.get(lang):
                key = normalise(example)
                other = owner.setdefault(key, entry.id)
                if other != entry.id:
                    path, _, line = origins[entry.id].rpartition(":")
                    problems.append(
                        Problem(
                            path,
                            int(line),
                            f"example {example!r} also belongs to entry {other!r}",
                            "warning",
                        )
                    )
    return problems
