"""Reply templates: `{{data}}` slots filled from context, `[[human]]` slots left to the agent.

Rendering is one strict regex substitution; inserted values are never re-scanned,
formatted or evaluated, so customer data cannot inject slots or code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SLOT = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}|\[\[([^\[\]\n]*)\]\]")
_LEFTOVER = re.compile(r"\{\{|\}\}|\[\[|\]\]")
_MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Slot:
    """An unfilled slot in rendered text; `start`/`end` are code-point offsets."""

    name: str
    kind: Literal["data", "human"]
    hint: str
    start: int
    end: int


@dataclass(frozen=True)
class Rendered:
    text: str
    slots: tuple[Slot, ...]
    filled: tuple[str, ...]  # names of data slots that were filled


def template_problems(template: str) -> list[str]:
    """Every syntax problem in a template, as messages fit for `path:line: ...`."""
    problems = []
    for match in SLOT.finditer(template):
        if match.group(2) is not None and not match.group(2).strip():
            problems.append("empty human slot '[[]]': write what the agent should add")
    rest = SLOT.sub(" ", template)
    for bad in re.finditer(r"\{\{[^{}]*\}\}", rest):
        problems.append(
            f"malformed data slot {bad.group(0)!r}: "
            "names are lower_snake_case, e.g. {{order_id}}"
        )
    rest = re.sub(r"\{\{[^{}]*\}\}", " ", rest)
    for bad in re.finditer(r"\[\[[^\[\]]*\]\]", rest):
        problems.append(f"malformed human slot {bad.group(0)!r}: keep a hint on one line")
    rest = re.sub(r"\[\[[^\[\]]*\]\]", " ", rest)
    if _LEFTOVER.search(rest):
        problems.append("unbalanced slot brackets: use {{name}} for data, [[hint]] for the agent")
    return problems


def data_slot_names(template: str) -> list[str]:
    return [m.group(1) for m in SLOT.finditer(template) if m.group(1)]


def has_human_slot(template: str) -> bool:
    return any(m.group(2) is not None for m in SLOT.finditer(template))


def customer_context(customer: Mapping[str, object] | None) -> dict[str, str]:
    """Slot values from a request's customer object: `name` fills `{{name}}` and
    `{{customer_name}}`. Only scalar values are used, trimmed to one short line."""
    context: dict[str, str] = {}
    for key, value in (customer or {}).items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue
        text = " ".join(str(value).split())[:_MAX_VALUE_CHARS]
        if not text:
            continue
        context[key] = text
        if not key.startswith("customer_"):
            context.setdefault(f"customer_{key}", text)
    return context


def render(template: str, context: Mapping[str, str]) -> Rendered:
    out: list[str] = []
    slots: list[Slot] = []
    filled: list[str] = []
    length = 0
    last = 0
    for match in SLOT.finditer(template):
        literal = template[last : match.start()]
        out.append(literal)
        length += len(literal)
        name, hint = match.group(1), match.group(2)
        if name is not None and context.get(name):
            piece = context[name]
            filled.append(name)
        else:
            piece = match.group(0)
            span = (length, length + len(piece))
            if name is not None:
                slots.append(Slot(name, "data", name.replace("_", " "), *span))
            else:
                slots.append(Slot("", "human", hint.strip(), *span))
        out.append(piece)
        length += len(piece)
        last = match.end()
    out.append(template[last:])
    return Rendered("".join(out), tuple(slots), tuple(filled))


def strip_slots(template: str) -> str:
    """The template's fixed wording only (slots removed): what a verbatim copy would repeat."""
    return " ".join(SLOT.sub(" ", template).split())
