"""Helpdesk placeholders (`{{contact.name}}`, `{{ticket.requester.first_name}}`, ...) turned
into our slots: a `{{data}}` slot when the request's customer context can fill it (see
`render.customer_context` and the names the bundled playbooks use), a `[[human]]` slot when
only the agent knows the value (their own name, a link), and an error when the placeholder
is logic or a block of text that no slot can stand for (Liquid tags, Zendesk dynamic content).

Chatwoot: contact.*, agent.*, conversation.*, inbox.*, contact.custom_attribute.* (utils
`canned.ts`). Zendesk: ticket.requester.*, ticket.assignee.*, current_user.*, ticket.id,
ticket.ticket_field_<id>, dc.* (Support placeholders reference). Freshdesk:
ticket.requester.*, ticket.agent.*, ticket.id, ticket.cf_* (placeholder list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["en", "fa"]

# Placeholders our customer context fills. Agents' names are not in it (the API knows the
# customer, not who is typing), so they become human slots below.
DATA: dict[str, str] = {
    "contact.name": "customer_name",
    "contact.first_name": "customer_name",
    "contact.last_name": "customer_last_name",
    "contact.email": "email",
    "contact.phone": "phone",
    "contact.phone_number": "phone",
    "contact.id": "customer_id",
    "conversation.id": "ticket_id",
    "conversation.display_id": "ticket_id",
    "ticket.id": "ticket_id",
    "ticket.requester.name": "customer_name",
    "ticket.requester.first_name": "customer_name",
    "ticket.requester.firstname": "customer_name",
    "ticket.requester.last_name": "customer_last_name",
    "ticket.requester.lastname": "customer_last_name",
    "ticket.requester.email": "email",
    "ticket.requester.phone": "phone",
    "ticket.requester.mobile": "phone",
    "ticket.requester.id": "customer_id",
}

_HINTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("your name", "نام شما"): (
        "agent.name",
        "agent.first_name",
        "agent.last_name",
        "current_user.name",
        "current_user.first_name",
        "current_user.last_name",
        "ticket.assignee.name",
        "ticket.assignee.first_name",
        "ticket.assignee.last_name",
        "ticket.agent.name",
        "ticket.agent.first_name",
    ),
    ("your email", "ایمیل شما"): (
        "agent.email",
        "current_user.email",
        "ticket.assignee.email",
        "ticket.agent.email",
    ),
    ("our company name", "نام شرکت"): ("account.name", "helpdesk_name", "ticket.portal_name"),
    ("the channel name", "نام کانال"): ("inbox.name",),
    ("the customer's company", "شرکت مشتری"): (
        "ticket.organization.name",
        "ticket.company.name",
        "contact.company_name",
    ),
    ("the request subject", "موضوع درخواست"): ("ticket.title", "ticket.subject"),
    ("link to the request", "لینک درخواست"): (
        "ticket.url",
        "ticket.link",
        "ticket.portal_url",
        "ticket.url_with_protocol",
    ),
    ("the satisfaction survey link", "لینک نظرسنجی"): (
        "satisfaction.rating_url",
        "satisfaction.rating_section",
    ),
    ("the request status", "وضعیت درخواست"): ("ticket.status",),
    ("the team name", "نام تیم"): ("ticket.group.name",),
}
HUMAN: dict[str, tuple[str, str]] = {
    name: hints for hints, names in _HINTS.items() for name in names
}

# Custom fields name their own value: `{{contact.custom_attribute.order_number}}` → {{order_id}}.
_CUSTOM = re.compile(
    r"^(?:(?:contact|conversation)\.custom_attribute|ticket\.requester\.custom_fields)\.(.+)$"
    r"|^ticket\.cf_(.+)$"
)
_ZENDESK_FIELD = re.compile(r"^ticket\.ticket_field(?:_option_title)?_(\d+)$")
_ALIASES = {
    "order": "order_id",
    "order_no": "order_id",
    "order_number": "order_id",
    "tracking": "tracking_number",
    "tracking_code": "tracking_number",
    "tracking_no": "tracking_number",
    "transaction": "transaction_id",
    "booking": "booking_ref",
    "booking_number": "booking_ref",
    "booking_reference": "booking_ref",
    "plan": "plan_name",
}
_PATH = re.compile(r"^[A-Za-z_][\w-]*(?:\.[\w-]+)*$")
_SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
VARIABLE = re.compile(r"\{\{([^{}]*)\}\}")
_LIQUID_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)


@dataclass
class Mapped:
    text: str
    notes: list[str] = field(default_factory=list)  # what became a human slot, and why
    errors: list[str] = field(default_factory=list)  # what no slot can stand for


def map_placeholders(text: str, lang: Lang) -> Mapped:
    """`text` with every `{{...}}` placeholder rewritten as one of our slots."""
    result = Mapped(text)
    tags = list(dict.fromkeys(" ".join(m.group(0).split()) for m in _LIQUID_TAG.finditer(text)))
    if tags:
        shown = ", ".join(tag[:50] for tag in tags[:3]) + (", ..." if len(tags) > 3 else "")
        result.errors.append(
            f"Liquid logic ({shown}) can't be imported: a reply is text with slots; "
            "write one reply per case instead"
        )
    done: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        raw = match.group(0)
        if raw not in done:
            done[raw] = _slot(raw, match.group(1), lang, result)
        return done[raw]

    result.text = VARIABLE.sub(replace, text)
    return result


def _slot(raw: str, inner: str, lang: Lang, result: Mapped) -> str:
    name, _, filters = inner.partition("|")  # Liquid filters (`| capitalize`) only style it
    name = name.strip()
    key = name.lower()
    if filters.strip():
        result.notes.append(f"{raw}: the filter '|{filters.strip()}' was dropped")
    if key in DATA:
        return f"{{{{{DATA[key]}}}}}"
    if key in HUMAN:
        return _human(raw, HUMAN[key][0 if lang == "en" else 1], result)
    if key.startswith("dc."):
        result.errors.append(
            f"{raw} is Zendesk dynamic content (a block of text, not a value): "
            "paste its text into the macro, or remove it"
        )
        return raw
    custom = _CUSTOM.match(name)
    if custom:
        field_name = custom.group(1) or custom.group(2)
        slot = _snake(field_name)
        if slot:
            result.notes.append(
                f"{raw} became {{{{{slot}}}}}: send {slot!r} in the customer context to fill it"
            )
            return f"{{{{{slot}}}}}"
        return _human(raw, field_name.replace("_", " "), result)
    numbered = _ZENDESK_FIELD.match(key)
    if numbered:
        return _human(raw, f"ticket field {numbered.group(1)}", result)
    if _SLOT_NAME.match(name):  # already one of ours (a plain CSV, or a hand-made export)
        return f"{{{{{name}}}}}"
    if _PATH.match(name):
        return _human(raw, " ".join(re.split(r"[._-]+", key)).strip(), result)
    result.errors.append(f"can't map the placeholder {raw[:60]!r}: not a variable name")
    return raw


def _human(raw: str, hint: str, result: Mapped) -> str:
    hint = " ".join(re.sub(r"[\[\]]", " ", hint).split()) or "value"  # one line, no brackets
    result.notes.append(f"{raw} became [[{hint}]]: the agent writes it in")
    return f"[[{hint}]]"


def _snake(name: str) -> str | None:
    slot = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    slot = _ALIASES.get(slot, slot)
    return slot if _SLOT_NAME.match(slot) else None
