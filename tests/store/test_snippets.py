"""store/snippets.py: states, validation, personal data, change numbers, credit; on SQLite
and on the real PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import pytest

from assist.store.feedback import Store
from assist.store.snippets import InvalidSnippet, Snippet, SnippetConflict, SnippetNotFound
from served import serve

REPLIES = {
    "en": ["{{customer_name}}, I checked: [[what you saw]]. It left the hub today."],
    "fa": ["{{customer_name}} عزیز، بررسی کردم: [[چه دیدید]]. امروز ارسال شد."],
}
TRIGGERS = ["Where is my order? It's been a week", "سفارشم کجاست؟ یک هفته گذشته"]


def propose(store: Store, author: str = "sara", **change) -> Snippet:
    given = {"team": "default", "visibility": "team", "replies": REPLIES, "triggers": TRIGGERS}
    return store.snippets.propose(author, **{**given, **change})


@pytest.fixture
def memory() -> Iterator[Store]:
    """For checks that never reach the database: refused before any SQL."""
    store = Store("sqlite://")
    assert store.start()
    yield store
    store.close()


# ------------------------------------------------------------------ proposing


def test_a_team_snippet_waits_for_review_and_round_trips(db):
    snippet = propose(db, entry_id="order-late", title="Late order, checked")
    assert (snippet.status, snippet.visibility, snippet.reviewer) == ("proposed", "team", None)
    assert snippet.replies == {lang: tuple(ws) for lang, ws in REPLIES.items()}
    assert snippet.triggers == tuple(TRIGGERS)
    assert snippet.entry_key == f"snippet-{snippet.id}"
    assert snippet.created_at.tzinfo is not None and snippet.created_at == snippet.updated_at
    assert db.snippets.get(snippet.id) == snippet
    as_json = json.loads(json.dumps(snippet.to_dict(), ensure_ascii=False))
    assert as_json["replies"]["fa"] == REPLIES["fa"] and as_json["entry_key"] == snippet.entry_key


def test_a_private_snippet_is_approved_at_once_without_a_reviewer(db):
    snippet = propose(db, visibility="private")
    assert (snippet.status, snippet.reviewer) == ("approved", None)


def test_the_repositories_share_the_stores_engine(db):
    assert db.snippets.database is db and db.keys.database is db


# ------------------------------------------------------------------ the state machine

ACTIONS = {
    "approve": lambda s, i: s.snippets.approve(i, "lead-1"),
    "reject": lambda s, i: s.snippets.reject(i, "lead-1", "too long"),
    "retire": lambda s, i: s.snippets.retire(i, "lead-1"),
    "edit": lambda s, i: s.snippets.edit(i, "sara", title="Checked"),
}
# state -> action -> the state after it (None: refused with 409)
MACHINE = {
    "proposed": {"approve": "approved", "reject": "rejected", "retire": None, "edit": "proposed"},
    "approved": {"approve": None, "reject": None, "retire": "retired", "edit": "approved"},
    "rejected": {"approve": None, "reject": None, "retire": None, "edit": None},
    "retired": {"approve": None, "reject": None, "retire": None, "edit": None},
}
TO_REACH = {"proposed": [], "approved": ["approve"], "rejected": ["reject"]}
TO_REACH["retired"] = ["approve", "retire"]


def test_every_transition_is_allowed_or_refused_as_the_machine_says(db):
    for state, outcomes in MACHINE.items():
        for action, after in outcomes.items():
            snippet = propose(db)
            for step in TO_REACH[state]:
                ACTIONS[step](db, snippet.id)
            before = db.snippets.get(snippet.id)
            assert before.status == state
            if after is None:
                with pytest.raises(SnippetConflict, match=f"snippet {snippet.id} is {state}"):
                    ACTIONS[action](db, snippet.id)
                assert db.snippets.get(snippet.id) == before  # nothing written
            else:
                done = ACTIONS[action](db, snippet.id)
                assert done.status == after and done.change > before.change, (state, action)


def test_review_records_who_and_why(db):
    approved = db.snippets.approve(propose(db).id, "lead-1", "clear and kind")
    assert (approved.reviewer, approved.review_note) == ("lead-1", "clear and kind")
    rejected = db.snippets.reject(propose(db).id, "lead-2", "  promises a refund we can't give ")
    assert (rejected.reviewer, rejected.review_note) == (
        "lead-2",
        "promises a refund we can't give",
    )


@pytest.mark.parametrize("note", ["", "   ", None])
def test_a_rejection_needs_a_note_the_author_can_read(db, note):
    snippet = propose(db)
    with pytest.raises(InvalidSnippet, match="note: say why") as caught:
        db.snippets.reject(snippet.id, "lead-1", note)  # type: ignore[arg-type]
    assert caught.value.status_code == 422
    assert db.snippets.get(snippet.id).status == "proposed"


def test_a_missing_snippet_is_not_found(db):
    calls = [*ACTIONS.values(), lambda s, i: s.snippets.get(i)]
    for call in calls:
        for missing in (999, 0, -1, 2**63, 10**30):  # beyond BIGINT too (a URL can say so)
            with pytest.raises(SnippetNotFound, match=f"no snippet {missing}") as caught:
                call(db, missing)
            assert caught.value.status_code == 404
    assert SnippetConflict("x").status_code == 409


def test_two_reviewers_racing_cannot_both_decide(db):
    snippet = propose(db)
    outcomes: list[str] = []

    def decide(action: str) -> None:
        try:
            ACTIONS[action](db, snippet.id)
            outcomes.append(action)
        except SnippetConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("approve", "reject") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("conflict") == 5
    winner = next(o for o in outcomes if o != "conflict")
    assert (
        db.snippets.get(snippet.id).status == {"approve": "approved", "reject": "rejected"}[winner]
    )


# ------------------------------------------------------------------ editing


def test_an_edit_changes_only_what_is_given_and_keeps_the_status(db):
    snippet = db.snippets.approve(propose(db, title="Old", entry_id="order-late").id, "lead-1")
    edited = db.snippets.edit(snippet.id, "lead-2", replies={"en": ["Thanks, [[name]]."]})
    assert edited.replies == {"en": ("Thanks, [[name]].",)}
    assert (edited.triggers, edited.title, edited.entry_id) == (
        snippet.triggers,
        "Old",
        "order-late",
    )
    assert (edited.status, edited.reviewer, edited.edited_by) == ("approved", "lead-1", "lead-2")
    assert edited.change > snippet.change
    cleared = db.snippets.edit(snippet.id, "sara", title="", entry_id="")
    assert (cleared.title, cleared.entry_id, cleared.replies) == (None, None, edited.replies)


def test_resubmit_sends_an_approved_team_snippet_back_to_review(db):
    team = db.snippets.approve(propose(db).id, "lead-1", "ok")
    back = db.snippets.edit(team.id, "sara", triggers=["still nothing"], resubmit=True)
    assert (back.status, back.reviewer, back.review_note) == ("proposed", None, None)
    mine = propose(db, visibility="private")
    kept = db.snippets.edit(mine.id, "sara", triggers=["still nothing"], resubmit=True)
    assert kept.status == "approved"  # private snippets are never reviewed


def test_an_edit_is_validated_like_a_proposal(db):
    snippet = propose(db)
    with pytest.raises(InvalidSnippet, match="give replies, triggers, title or entry_id"):
        db.snippets.edit(snippet.id, "sara")
    with pytest.raises(InvalidSnippet, match=r"triggers\[0\]: a phone number"):
        db.snippets.edit(snippet.id, "sara", triggers=["call me on 09121234567"])
    assert db.snippets.get(snippet.id) == snippet


# ------------------------------------------------------------------ validation

INVALID = [
    ({"replies": {}}, "replies: write at least one wording (en or fa)"),
    ({"replies": {"de": ["Hallo"]}}, "replies.de: unknown language (use en or fa)"),
    ({"replies": {"en": "Hello"}}, "replies.en: a list of wordings"),
    ({"replies": ["Hello"]}, "replies: a mapping of language to wordings"),
    ({"replies": {"en": ["Hello", " "]}}, "replies.en[1]: empty"),
    ({"replies": {"en": ["x" * 2001]}}, "replies.en[0]: 2,001 characters; the limit is 2,000"),
    ({"replies": {"en": ["Hi"] * 21}}, "replies.en: 21 wordings; the limit is 20"),
    ({"replies": {"en": ["Hi {{Customer Name}}"]}}, "replies.en[0]: malformed data slot"),
    ({"replies": {"fa": ["سلام [[]]"]}}, "replies.fa[0]: empty human slot"),
    ({"replies": {"en": ["Hi {{name"]}}, "replies.en[0]: unbalanced slot brackets"),
    ({"replies": {"en": [3]}}, "replies.en[0]: text expected"),
    ({"triggers": []}, "triggers: give at least one customer message"),
    ({"triggers": ["where?"] * 21}, "triggers: 21 messages; the limit is 20"),
    ({"triggers": ["where?", "\t"]}, "triggers[1]: empty"),
    ({"triggers": "where is it"}, "triggers: a list of customer messages"),
    ({"triggers": ["x" * 2001]}, "triggers[0]: 2,001 characters"),
    ({"entry_id": "Order Late"}, "entry_id 'Order Late': a playbook entry id, kebab-case"),
    ({"entry_id": "a" * 101}, "at most 100 characters"),
    ({"visibility": "public"}, "visibility 'public': team or private"),
    ({"team": ""}, "team: 1 to 100 characters"),
    ({"title": "t" * 201}, "title: 201 characters; the limit is 200"),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_invalid_content_is_refused_saying_what_and_where(memory, change, message):
    with pytest.raises(InvalidSnippet, match=re.escape(message)) as caught:
        propose(memory, **change)
    assert caught.value.status_code == 422 and str(caught.value).startswith("snippet refused: ")
    assert memory.snippets.list() == []


def test_every_problem_is_named_at_once(memory):
    with pytest.raises(InvalidSnippet) as caught:
        propose(memory, author="", replies={"en": ["{{x y}}"]}, triggers=[], entry_id="X")
    assert len(caught.value.problems) == 4, caught.value.problems


def test_text_is_cleaned_and_trimmed(db):
    snippet = propose(db, replies={"en": ["  Hi\x00 [[name]]  "]}, triggers=[" where?\ud800 "])
    assert snippet.replies == {"en": ("Hi [[name]]",)} and snippet.triggers == ("where?\ufffd",)


# ------------------------------------------------------------------ personal data

PERSONAL = [  # (where it is put, text, what the message must say)
    ("en", "Write to sara.k@example.com for the refund.", "an email address (sara"),
    ("en", "Call us back on 0912 123 4567 any time.", "a phone number (0912…)"),
    ("fa", "با شماره ۰۹۱۲۱۲۳۴۵۶۷ تماس بگیرید", "a phone number (۰۹۱۲…)"),
    ("en", "Refunded to card 6037-9912-3456-7893 today.", "a card number (6037…)"),
    ("fa", "به شبای IR062960000000100324200001 واریز شد", "an IBAN (Sheba) number (IR06…)"),
    ("fa", "کد ملی ۰۰۱۲۳۴۵۶۷۹ ثبت شد", "a national id (۰۰۱۲…)"),
]


@pytest.mark.parametrize(("lang", "text", "named"), PERSONAL)
def test_personal_data_in_a_reply_is_refused_naming_kind_and_place(memory, lang, text, named):
    with pytest.raises(InvalidSnippet, match="personal data") as caught:
        propose(memory, replies={lang: ["Hello [[name]].", text]})
    message = str(caught.value)
    assert f"replies.{lang}[1]: {named}" in message
    for item in ("sara.k@example.com", "123 4567", "3456-7893", "100324200001", "۳۴۵۶۷۹"):
        assert item not in message  # the value itself is never echoed whole


def test_personal_data_in_triggers_and_title_is_refused_too(memory):
    with pytest.raises(InvalidSnippet) as caught:
        propose(
            memory,
            triggers=["where is my order", "my number is +98 912 123 4567"],
            title="For ali@example.org",
        )
    message = str(caught.value)
    assert "triggers[1]: a phone number (+98 …)" in message
    assert "title: an email address (ali@…)" in message


@pytest.mark.parametrize(
    "text",
    [
        "Your order A-1042 left the hub.",
        "The refund of 2,500,000 تومان is on its way.",
        "Tracking number 123456789012 shows it at the depot.",
        "It arrives on 1403/05/12 between 10:30 and 12:00.",
        "سفارش شماره ۱۰۴۲ امروز ارسال شد",
    ],
)
def test_order_ids_amounts_and_dates_are_not_personal_data(db, text):
    assert propose(db, replies={"en": [text]}).status == "proposed"


# ------------------------------------------------------------------ change numbers


def test_every_write_takes_the_next_change_number(db):
    first, second = propose(db), propose(db)
    approved = db.snippets.approve(first.id, "lead-1")
    edited = db.snippets.edit(second.id, "sara", title="New")
    retired = db.snippets.retire(first.id, "lead-1")
    assert [first.change, second.change, approved.change, edited.change, retired.change] == [
        1,
        2,
        3,
        4,
        5,
    ]
    changed = db.snippets.changes_since(0)
    assert [(s.id, s.change, s.status) for s in changed] == [
        (second.id, 4, "proposed"),
        (first.id, 5, "retired"),
    ]
    assert [s.change for s in db.snippets.changes_since(4)] == [5]
    assert db.snippets.changes_since(5) == []
    assert db.snippets.changes_since(10**30) == []  # beyond BIGINT: nothing, not an error
    assert [s.change for s in db.snippets.changes_since(-(10**30))] == [4, 5]
    assert [s.change for s in db.snippets.changes_since(0, limit=1)] == [4]


def test_concurrent_approvals_reach_a_poller_in_order_without_gaps(db):
    ids = [propose(db, title=f"n{i}").id for i in range(40)]
    start = db.snippets.changes_since(0)[-1].change
    finished = threading.Event()
    seen: list[int] = []
    gaps: list[tuple[int, int]] = []
    failures: list[Exception] = []

    def poll() -> None:
        cursor = start
        while True:
            last_round = finished.is_set()
            for snippet in db.snippets.changes_since(cursor):
                if snippet.change != cursor + 1:
                    gaps.append((cursor, snippet.change))  # a later write visible first
                cursor = snippet.change
                seen.append(cursor)
            if last_round:
                return
            time.sleep(0.002)

    def approve(chunk: list[int]) -> None:
        try:
            for snippet_id in chunk:
                db.snippets.approve(snippet_id, "lead-1")
        except Exception as exc:
            failures.append(exc)

    poller = threading.Thread(target=poll)
    writers = [threading.Thread(target=approve, args=(ids[n::2],)) for n in range(2)]
    poller.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    finished.set()
    poller.join()
    assert failures == [] and gaps == []
    assert seen == list(range(start + 1, start + 41))
    assert {s.status for s in db.snippets.list(limit=100)} == {"approved"}


# ------------------------------------------------------------------ listing


def test_list_filters_pages_and_hides_others_private_snippets(db):
    a = propose(db, "sara")
    b = propose(db, "omid", visibility="private")
    c = propose(db, "reza", team="night")
    d = db.snippets.approve(propose(db, "sara").id, "lead-1")
    ids = lambda found: [s.id for s in found]  # noqa: E731
    assert ids(db.snippets.list()) == [a.id, b.id, c.id, d.id]
    assert ids(db.snippets.list(status="proposed")) == [a.id, c.id]
    assert ids(db.snippets.list(team="night")) == [c.id]
    assert ids(db.snippets.list(author="sara")) == [a.id, d.id]
    assert ids(db.snippets.list(limit=2, offset=1)) == [b.id, c.id]
    assert ids(db.snippets.list(visible_to="sara")) == [a.id, c.id, d.id]
    assert ids(db.snippets.list(visible_to="omid")) == [a.id, b.id, c.id, d.id]
    assert db.snippets.list(offset=2**64) == []  # past every row: no driver overflow
    with pytest.raises(InvalidSnippet, match="status 'pending'"):
        db.snippets.list(status="pending")
    with pytest.raises(InvalidSnippet, match="limit"):
        db.snippets.list(limit=0)


# ------------------------------------------------------------------ credit


def use(store: Store, snippet: Snippet | str, counts: dict[str, int]) -> None:
    """`shown` in as many conversations, the other actions spread over them."""
    entry = snippet.entry_key if isinstance(snippet, Snippet) else snippet
    suggestion = f"{entry}/shared/en/0"
    shown = counts.get("shown", 0)
    for n in range(shown):
        serve(store, f"c-{entry}-{n}", suggestion, key_name="agent-9")
    for action, times in counts.items():
        for n in range(times if action != "shown" else 0):
            store.add_feedback(
                key_name="agent-9",
                conversation_id=f"c-{entry}-{n % shown}",
                suggestion_id=suggestion,
                action=action,
            )


def credit(author: str, **counts: int) -> dict[str, object]:
    states = {"proposed": 0, "approved": 0, "rejected": 0, "retired": 0}
    used = {"shown": 0, "inserted": 0, "sent": 0, "dismissed": 0, "sent_rewritten": 0}
    return {"author": author, **states, **used, **counts}


def test_authors_get_credit_for_their_snippets_and_how_they_were_used(db):
    s1 = db.snippets.approve(propose(db, "sara").id, "lead-1")
    s2 = db.snippets.approve(propose(db, "sara").id, "lead-1")
    propose(db, "sara")
    db.snippets.reject(propose(db, "sara").id, "lead-1", "duplicate")
    private = propose(db, "sara", visibility="private")
    o1 = db.snippets.approve(propose(db, "omid").id, "lead-1")
    o2 = db.snippets.retire(db.snippets.approve(propose(db, "omid").id, "lead-1").id, "lead-1")
    r1 = db.snippets.approve(propose(db, "reza", team="night").id, "lead-2")
    use(db, s1, {"shown": 3, "inserted": 2, "sent": 1, "dismissed": 1})
    use(db, s2, {"shown": 2, "sent": 1})
    use(db, private, {"shown": 5, "sent": 5})
    use(db, o1, {"shown": 1, "sent": 2})
    use(db, o2, {"shown": 1})
    use(db, r1, {"shown": 1})
    use(db, "order-late", {"shown": 4, "sent": 4})  # a playbook entry: nobody's snippet
    use(db, "snippet-999", {"shown": 1, "sent": 1})  # no such snippet

    assert db.snippets.authors() == [
        credit(
            "sara", approved=2, proposed=1, rejected=1, shown=5, inserted=2, sent=2, dismissed=1
        ),
        credit("omid", approved=1, retired=1, shown=2, sent=2),
        credit("reza", approved=1, shown=1),
    ]
    assert db.snippets.authors(team="night") == [credit("reza", approved=1, shown=1)]
    with_private = {row["author"]: row for row in db.snippets.authors(include_private=True)}
    assert with_private["sara"] == credit(
        "sara", approved=3, proposed=1, rejected=1, shown=10, inserted=2, sent=7, dismissed=1
    )
    assert db.snippets.authors(team="nobody") == []
