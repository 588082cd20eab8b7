"""Helpdesk exports → playbook entries and snippet proposals; snippets → playbook YAML.

The sample exports in tests/data/imports follow the public API shapes (Chatwoot canned
responses, Zendesk macros, Freshdesk canned responses) and hold Persian rows, HTML,
placeholders and broken rows; the line numbers below are those rows' lines in the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assist.core.importers import (
    UnreadableExport,
    dump_entries,
    dump_files,
    kebab,
    merge_entry,
    missing_examples,
    parse_export,
    plan_entries,
    read_export,
    snippet_proposals,
    snippets_to_entries,
)
from assist.core.importers.html import html_to_text
from assist.core.importers.placeholders import map_placeholders
from assist.core.playbooks import MIN_EXAMPLES, check_playbooks
from assist.core.schemas import Entry

IMPORTS = Path(__file__).parent.parent / "data" / "imports"


def errors_by_line(parsed) -> dict[int, str]:
    return {p.line: p.message for p in parsed.errors}


# ------------------------------------------------------------------ HTML and placeholders


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hi,</p><p>one<br>two</p>", "Hi,\n\none\ntwo"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<div>x &amp; y&nbsp;z</div><div><br></div><div>end</div>", "x & y z\n\nend"),
        ("safe<script>alert('x')</script><style>p{}</style> text", "safe text"),
        ('<a href="https://ex.com/r">the form</a>', "the form (https://ex.com/r)"),
        ('<a href="{{ticket.url}}">your request</a>', "your request ({{ticket.url}})"),
        ('<a href="javascript:evil()">click</a>', "click"),
        ("<div dir='rtl'>سلام<br/>خوبید؟</div>", "سلام\nخوبید؟"),
    ],
)
def test_html_becomes_text_with_its_line_breaks(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("source", "lang", "text"),
    [
        ("Hi {{contact.name}}", "en", "Hi {{customer_name}}"),
        ("Hi {{ contact.first_name }}", "en", "Hi {{customer_name}}"),
        ("#{{conversation.id}}", "en", "#{{ticket_id}}"),
        ("{{ticket.requester.first_name}}", "en", "{{customer_name}}"),
        ("{{ticket.requester.firstname}}", "en", "{{customer_name}}"),
        ("{{ticket.requester.email}} {{contact.phone}}", "en", "{{email}} {{phone}}"),
        ("{{ticket.id}}", "en", "{{ticket_id}}"),
        ("{{current_user.first_name}}", "en", "[[your name]]"),
        ("{{agent.name}}", "fa", "[[نام شما]]"),
        ("{{ticket.agent.name}}", "en", "[[your name]]"),
        ("{{contact.custom_attribute.order_number}}", "en", "{{order_id}}"),
        ("{{ticket.cf_tracking_code}}", "en", "{{tracking_number}}"),
        ("{{ticket.requester.custom_fields.vip_level}}", "en", "{{vip_level}}"),
        ("{{ticket.ticket_field_360012}}", "en", "[[ticket field 360012]]"),
        ("{{ticket.due_date}}", "en", "[[ticket due date]]"),
        ("{{ticket.requester.first_name | capitalize}}", "en", "{{customer_name}}"),
        ("{{customer_name}} [[your words]]", "en", "{{customer_name}} [[your words]]"),
    ],
)
def test_placeholders_become_our_slots(source, lang, text):
    mapped = map_placeholders(source, lang)
    assert (mapped.text, mapped.errors) == (text, [])


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{dc.refund_policy}}", "dynamic content"),
        ("{% if x %}a{% endif %}", "Liquid"),
        ("{{Customer Name}}", "not a variable name"),
    ],
)
def test_placeholders_no_slot_can_stand_for_are_errors(source, reason):
    assert reason in " ".join(map_placeholders(source, "en").errors)


def test_kebab_ids_from_english_persian_and_long_titles():
    assert kebab("Billing::Refund approved") == "billing-refund-approved"
    assert kebab("order_delayed") == "order-delayed"
    assert kebab("Café — déjà vu") == "cafe-deja-vu"
    assert kebab("پیگیری سفارش") == "pigiri-sfarsh"
    assert kebab("!!!") == ""
    long = kebab("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("word-word")


# ------------------------------------------------------------------ the sample exports


def test_chatwoot_json_rows_placeholders_and_broken_rows_by_line():
    parsed = read_export(IMPORTS / "chatwoot.json", "chatwoot")
    by_key = {item.key: item for item in parsed.items}
    assert list(by_key) == ["order_delayed", "refund_status", "reset_password", "پیگیری_سفارش"]
    assert by_key["order_delayed"].text == (
        "Hi {{customer_name}}, I'm sorry order {{order_id}} is late.\n"
        "I've asked the courier for a confirmed date and I'll write back within 24 hours.\n\n"
        "[[your name]]"
    )
    assert by_key["order_delayed"].lang == "en" and by_key["order_delayed"].line == 2
    assert by_key["refund_status"].lang == "fa"
    assert by_key["refund_status"].text.startswith("{{customer_name}} عزیز")
    assert "{{ticket_id}}" in by_key["refund_status"].text
    assert by_key["پیگیری_سفارش"].text.count("[[وضعیت فعلی سفارش]]") == 1
    errors = errors_by_line(parsed)
    assert sorted(errors) == [18, 26, 41]  # empty content, no short_code, a bare string
    assert "empty reply text" in errors[18]
    assert "short_code" in errors[26]
    assert "found str" in errors[41]
    assert parsed.skipped == 3
    notes = " ".join(p.message for p in parsed.notes)
    assert "{{agent.name}} became [[your name]]" in notes


def test_chatwoot_csv_gives_the_json_entries_and_reports_its_own_broken_rows():
    from_json = read_export(IMPORTS / "chatwoot.json", "chatwoot")
    from_csv = read_export(IMPORTS / "chatwoot.csv", "chatwoot")
    as_json = {i.key: (i.title, i.lang, i.text) for i in from_json.items}
    as_csv = {i.key: (i.title, i.lang, i.text) for i in from_csv.items}
    assert as_csv == {key: as_json[key] for key in as_csv}
    assert set(as_csv) == {"order_delayed", "refund_status", "پیگیری_سفارش"}
    assert [i.line for i in from_csv.items] == [2, 6, 11]  # multi-line cells: start lines
    errors = errors_by_line(from_csv)
    assert sorted(errors) == [8, 9, 10]
    assert "empty reply text" in errors[8]
    assert "3 cells but the header has 2" in errors[9]
    assert "short_code" in errors[10]


def test_zendesk_macros_html_channel_values_categories_and_broken_macros():
    parsed = read_export(IMPORTS / "zendesk_macros.json", "zendesk")
    refund, tracking, persian = parsed.items
    assert (refund.line, refund.title, refund.tags) == (3, "Refund approved", ("Billing",))
    assert refund.text == (
        "Hi {{customer_name}},\n\nYour refund for request #{{ticket_id}} is approved.\n"
        "It reaches your card within 5 business days.\n\nBest,\n[[your name]]"
    )
    # comment_value as ["channel:all", text]; a user field named like one of our slots
    assert tracking.text.startswith("Hello {{customer_name}}, you can follow your parcel here: ")
    assert "{{tracking_number}}" in tracking.text and tracking.line == 20
    assert (persian.lang, persian.line) == ("fa", 35)
    assert persian.text.endswith("[[نام شما]]") and "\n" in persian.text
    errors = errors_by_line(parsed)
    assert sorted(errors) == [50, 66, 81, 96, 113]
    assert "only sets status, priority" in errors[50]
    assert "dynamic content" in errors[66]
    assert "Liquid" in errors[81]
    assert "internal note" in errors[96]
    assert "inactive" in errors[113]


def test_freshdesk_prefers_html_and_maps_its_placeholders():
    parsed = read_export(IMPORTS / "freshdesk.json", "freshdesk")
    payment, code = parsed.items
    assert payment.text == (
        "Hi {{customer_name}},\n\nA failed payment is reversed by your bank within 72 hours. "
        "If it isn't, reply here with the reference {{transaction_id}}.\n\n[[your name]]"
    )
    assert code.lang == "fa" and code.title == "کد تایید نرسید" and code.line == 12
    assert "{{ticket_id}}" in code.text and code.text.startswith("{{customer_name}} عزیز")
    errors = errors_by_line(parsed)
    assert sorted(errors) == [22, 32]
    assert "without a title" in errors[22] and "empty reply text" in errors[32]


def test_plain_csv_languages_examples_merging_and_broken_rows():
    parsed = read_export(IMPORTS / "plain.csv", "csv")
    planned, notes = plan_entries(parsed)
    entries = {plan.entry["id"]: plan for plan in planned}
    declined = entries["card-declined"]
    assert declined.lines == [2, 10]  # the same title twice: two wordings of one reply
    assert len(declined.entry["replies"][0]["en"]) == 2
    assert declined.entry["examples"]["en"] == [
        "my card got declined",
        "payment declined at checkout, why?",
        "it says card refused",
        "my visa doesn't work on your site",
    ]
    assert entries["kart-rd-shd"].entry["examples"]["fa"][-1] == "kartam ghabool nemishe"
    assert declined.ready and entries["kart-rd-shd"].ready
    assert entries["delivery-address-change"].missing_examples == {"en": MIN_EXAMPLES}
    assert [n.line for n in notes] == [10]
    errors = errors_by_line(parsed)
    assert sorted(errors) == [12, 13]
    assert "lang 'de'" in errors[12] and "{{Customer Name}}" in errors[13]


# ------------------------------------------------------------------ whole-file problems


@pytest.mark.parametrize(
    ("text", "fmt", "line", "message"),
    [
        ('[\n  {"short_code": "a",\n   "content": "x"\n  ,,\n]', "chatwoot", 4, "not valid JSON"),
        ('{"tickets": []}', "zendesk", 1, "Zendesk macros export"),
        ('"just a string"', "freshdesk", 1, "Freshdesk canned responses"),
        ("name,body\nx,y\n", "csv", 1, "needs the columns title, text"),
        ("short,content\nx,y\n", "chatwoot", 1, "needs the columns short_code, content"),
        ("", "csv", 1, "empty file"),
    ],
)
def test_an_unreadable_file_is_one_error_with_its_line(text, fmt, line, message):
    with pytest.raises(UnreadableExport) as caught:
        parse_export(text, fmt, source="export")
    assert caught.value.problem.line == line
    assert message in caught.value.problem.message


def test_not_utf8_is_reported_at_its_line(tmp_path):
    path = tmp_path / "cp1256.csv"
    path.write_bytes(b"title,text\nok,fine\n" + "سلام,متن\n".encode("cp1256"))
    with pytest.raises(UnreadableExport) as caught:
        read_export(path, "csv")
    assert caught.value.problem.line == 3 and "UTF-8" in caught.value.problem.message


def test_minified_json_still_names_the_row():
    text = '[{"short_code":"a","content":"fine"},{"short_code":"b","content":""}]'
    parsed = parse_export(text, "chatwoot", source="min.json")
    assert [str(p) for p in parsed.errors] == ["min.json:1: 'b': empty reply text"]


def test_a_single_macro_object_and_a_bom_are_read():
    action = '{"field": "comment_value", "value": "Hello {{ticket.requester.name}}"}'
    text = f'\ufeff{{\n  "macro": {{\n    "title": "Hi",\n    "actions": [{action}]\n  }}\n}}'
    parsed = parse_export(text, "zendesk")
    assert [(i.line, i.text) for i in parsed.items] == [(2, "Hello {{customer_name}}")]


# ------------------------------------------------------------------ entries and YAML


def write_and_check(tmp_path: Path, entries: list[dict], name: str = "imported.yaml"):
    folder = tmp_path / name.removesuffix(".yaml")
    folder.mkdir()
    (folder / name).write_text(dump_entries(entries, "a header"), "utf-8")
    playbooks, problems = check_playbooks(folder)
    return playbooks, [p for p in problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("chatwoot.json", "chatwoot"),
        ("chatwoot.csv", "chatwoot"),
        ("zendesk_macros.json", "zendesk"),
        ("freshdesk.json", "freshdesk"),
        ("plain.csv", "csv"),
    ],
)
def test_round_trip_ready_entries_validate_and_drafts_lack_only_examples(tmp_path, name, fmt):
    planned, _ = plan_entries(read_export(IMPORTS / name, fmt))
    ready = [p.entry for p in planned if p.ready]
    drafts = [p.entry for p in planned if not p.ready]
    if ready:
        playbooks, errors = write_and_check(tmp_path, ready)
        assert errors == []
        assert [e.model_dump(exclude_defaults=True) for e in playbooks.entries] == ready
    if drafts:
        # As written, each draft fails for its missing examples only, at its examples line.
        _, errors = write_and_check(tmp_path, drafts, "drafts.yaml")
        expected = sum(len(missing_examples(entry)) for entry in drafts)
        assert len(errors) == expected
        assert all("example(s); write at least" in p.message for p in errors)
        # Once the lead writes them, the same entries validate and load unchanged.
        for entry in drafts:
            for lang in missing_examples(entry):
                entry["examples"][lang] = [f"{entry['id']} question {n}" for n in range(3)]
        playbooks, errors = write_and_check(tmp_path, drafts, "completed.yaml")
        assert errors == []
        assert [e.model_dump(exclude_defaults=True) for e in playbooks.entries] == drafts


def test_yaml_keeps_persian_and_line_breaks_readable():
    planned, _ = plan_entries(read_export(IMPORTS / "zendesk_macros.json", "zendesk"))
    text = dump_entries([p.entry for p in planned], "first line\nsecond line")
    assert text.startswith("# first line\n# second line\n\n- id: billing-refund-approved")
    assert "{{customer_name}} عزیز، از تأخیر ارسال عذر می‌خواهیم." in text  # not \u escapes
    assert "- |-\n      Hi {{customer_name}},\n\n      Your refund" in text
    assert yaml.safe_load(text) == [p.entry for p in planned]


def test_ids_already_in_the_library_get_a_suffix_and_notes_say_so():
    parsed = read_export(IMPORTS / "chatwoot.json", "chatwoot")
    planned, notes = plan_entries(parsed, taken={"order-delayed", "order-delayed-2"})
    assert planned[0].entry["id"] == "order-delayed-3"
    assert [(n.line, n.severity) for n in notes] == [(2, "warning")]
    assert "'order-delayed' is already in the library" in notes[0].message


def test_rows_with_the_same_text_are_kept_once():
    text = "title,text\nA,Same words here.\nA,Same  words here.\n"
    planned, notes = plan_entries(parse_export(text, "csv", source="x.csv"))
    assert planned[0].entry["replies"][0]["en"] == ["Same words here."]
    assert [str(n) for n in notes] == ["x.csv:3: warning: same reply as line 2: kept once"]


def test_snippet_proposals_have_exactly_the_store_fields():
    parsed = read_export(IMPORTS / "plain.csv", "csv")
    planned, _ = plan_entries(parsed)
    proposals = snippet_proposals(planned, author="sara", team="support", visibility="private")
    assert {frozenset(p) for p in proposals} == {
        frozenset({"author", "team", "visibility", "replies", "triggers", "entry_id", "title"})
    }
    declined = proposals[0]
    assert declined["replies"] == {"en": planned[0].entry["replies"][0]["en"]}
    assert declined["triggers"][0] == "my card got declined"
    assert (declined["author"], declined["team"], declined["visibility"]) == (
        "sara",
        "support",
        "private",
    )
    no_examples = next(p for p in proposals if p["title"] == "Delivery address change")
    assert no_examples["triggers"] == ["Delivery address change"]  # stand-in, said by the CLI
    assert no_examples["entry_id"] is None


# ------------------------------------------------------------------ snippets → playbook


SNIPPETS = [
    {
        "id": 7,
        "author": "sara",
        "title": "Refund reached the card late",
        "entry_id": None,
        "replies": {
            "en": ["{{customer_name}}, the refund left us on [[date]]; banks take up to 5 days."]
        },
        "triggers": [
            "refund still not on my card",
            "you said you refunded me, where is it",
            "no refund yet after a week",
        ],
    },
    {
        "id": 8,
        "author": "reza",
        "title": "بازگشت وجه دیر رسید",
        "entry_id": "refund-late",
        "replies": {"fa": ["{{customer_name}} عزیز، وجه [[تاریخ]] از حساب ما خارج شده است."]},
        "triggers": ["پولم هنوز برنگشته", "pool hanooz bargasht nakhorde", "بازگشت وجه کی میاد"],
    },
    {
        "id": 9,
        "author": "mina",
        "title": None,
        "entry_id": "refund-late",
        "replies": {"fa": ["سلام {{customer_name}}، [[وضعیت تراکنش]] را بررسی کردم."]},
        "triggers": ["پولم هنوز برنگشته", "چرا وجه برنگشت"],
    },
]


def test_snippets_export_round_trips_through_the_playbook_loader_with_authors(tmp_path):
    entries = snippets_to_entries(SNIPPETS)
    assert [e["id"] for e in entries] == ["refund-reached-the-card-late", "refund-late"]
    grouped = entries[1]
    assert [r["author"] for r in grouped["replies"]] == ["reza", "mina"]
    assert [r["id"] for r in grouped["replies"]] == ["snippet-8", "snippet-9"]
    assert grouped["examples"]["fa"] == [  # Finglish stays with the Persian team's replies
        "پولم هنوز برنگشته",
        "pool hanooz bargasht nakhorde",
        "بازگشت وجه کی میاد",
        "چرا وجه برنگشت",
    ]
    assert grouped["title"] == {"fa": "بازگشت وجه دیر رسید"}
    folder = tmp_path / "promoted"
    folder.mkdir()
    text = dump_entries(entries)
    assert "پولم هنوز برنگشته" in text and "\\u" not in text
    (folder / "snippets.yaml").write_text(text, "utf-8")
    playbooks, problems = check_playbooks(folder)
    assert [p for p in problems if p.severity == "error"] == []
    loaded = playbooks.by_id()
    assert [r.author for r in loaded["refund-late"].replies] == ["reza", "mina"]
    assert loaded["refund-reached-the-card-late"].replies[0].author == "sara"
    assert [e.model_dump(exclude_defaults=True) for e in playbooks.entries] == entries


def test_a_snippet_without_enough_triggers_is_returned_with_what_it_lacks():
    (entry,) = snippets_to_entries([{**SNIPPETS[0], "triggers": ["refund late"]}])
    assert missing_examples(entry) == {"en": MIN_EXAMPLES - 1}
    assert Entry.model_validate(entry).replies[0].author == "sara"  # the schema takes it


def test_merge_entry_adds_snippet_replies_to_a_library_entry():
    base = {
        "id": "refund-late",
        "title": {"en": "Refund late"},
        "examples": {"en": ["a", "b", "c"]},
        "replies": [{"id": "explain", "en": ["..."]}],
    }
    (extra,) = [e for e in snippets_to_entries(SNIPPETS) if e["id"] == "refund-late"]
    merged = merge_entry(base, extra)
    assert [r["id"] for r in merged["replies"]] == ["explain", "snippet-8", "snippet-9"]
    assert merged["examples"]["en"] == ["a", "b", "c"] and len(merged["examples"]["fa"]) == 4
    assert merged["title"] == {"en": "Refund late", "fa": "بازگشت وجه دیر رسید"}
    assert merge_entry(merged, extra)["replies"] == merged["replies"]  # idempotent
    assert base["replies"] == [{"id": "explain", "en": ["..."]}]  # inputs untouched


def test_a_large_export_is_split_into_files_the_loader_accepts(tmp_path):
    rows = "".join(
        f'Situation {n},"{{{{customer_name}}}}, about case {n}: [[what you checked]]",'
        f'"case {n} question | case {n} problem | case {n} again"\n'
        for n in range(1000)
    )
    planned, _ = plan_entries(parse_export("title,text,examples\n" + rows, "csv"))
    texts = dump_files([p.entry for p in planned], "header")
    assert len(texts) > 1  # one file would pass the loader's bound on values
    for n, text in enumerate(texts):
        (tmp_path / f"imported-{n}.yaml").write_text(text, "utf-8")
    playbooks, problems = check_playbooks(tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(playbooks.entries) == 1000
