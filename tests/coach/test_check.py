"""check(): each finding code on clear cases, in English and Persian, with its span."""

from __future__ import annotations

import pytest
from coach_index import fixture_index

from assist.coach import CODES, check
from assist.core.suggest import Turn
from assist.errors import InvalidMessage


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return fixture_index(tmp_path_factory)


LATE = "order-late/check-tracking/en/0"  # promise_limit_hours: 48 in the fixture


def found(draft: str, index, **kw) -> dict[str, list[str]]:
    """code -> the draft text each finding of that code points at."""
    result = check(draft, index=index, **kw)
    spans: dict[str, list[str]] = {}
    for f in result.findings:
        spans.setdefault(f.code, []).append(draft[f.start : f.end])
    return spans


# ------------------------------------------------------------------ unfilled_slot
def test_slots_left_in_the_draft_are_found_with_their_spans(index):
    draft = "Hi {{customer_name}}, [[say what you checked]] and {{ order_id }}. Thanks!"
    assert found(draft, index)["unfilled_slot"] == [
        "{{customer_name}}",
        "[[say what you checked]]",
        "{{ order_id }}",
    ]


def test_half_deleted_slot_brackets_are_found(index):
    assert found("Hi Sara, [[what you checked, your order is on its way", index)[
        "unfilled_slot"
    ] == ["[["]


# ------------------------------------------------------------------ over_promise
@pytest.mark.parametrize(
    ("draft", "span"),
    [
        ("Your parcel will be with you within 5 business days.", "5 business days"),
        ("You'll have it in 3 days at the latest.", "3 days"),
        ("سفارشتان تا ۵ روز کاری دیگر می‌رسد.", "۵ روز کاری"),
    ],
)
def test_a_time_promise_beyond_the_entrys_limit(index, draft, span):
    assert found(draft, index, suggestion_id=LATE)["over_promise"] == [span]


@pytest.mark.parametrize(
    "draft",
    [
        "I'll write back within 24 hours with what the courier says.",
        "You have been waiting for 5 days already, I know.",  # the past, not a promise
        "I know it's 10 days late now.",
        "سفارشتان ۵ روز است که دیر کرده، می‌دانم.",
        "Our support is open 24/7.",
    ],
)
def test_no_over_promise_within_the_limit_or_about_the_past(index, draft):
    assert "over_promise" not in found(draft, index, suggestion_id=LATE)


def test_the_customers_own_time_said_back_is_not_a_promise(index):
    draft = "Three days without your bag is miserable. I'm on it."
    message = "my bag still isn't here, it's been 3 days"
    assert "over_promise" not in found(draft, index, suggestion_id=LATE, message=message)
    assert "over_promise" in found(draft, index, suggestion_id=LATE, message="where is my bag")


def test_without_a_known_situation_time_spans_are_not_judged(index):
    assert "over_promise" not in found("A refund takes 10 business days.", index)


@pytest.mark.parametrize(
    ("draft", "span"),
    [
        ("It will arrive on Monday, guaranteed.", "guaranteed"),
        ("I am 100% sure it is fixed.", "100%"),
        ("فردا می‌رسد، تضمین می‌کنم.", "تضمین"),
        ("قول میدم تا شب درست بشه.", "قول میدم"),
        ("I promise you it won't happen again.", "I promise"),
    ],
)
def test_absolute_guarantees_are_over_promises_whatever_the_limit(index, draft, span):
    assert span in found(draft, index)["over_promise"]


@pytest.mark.parametrize(
    "draft",
    [
        "I can't guarantee a date, but I will chase the courier today.",
        "There is no guarantee the courier keeps that slot.",
        "نمی‌تونم تضمین کنم ولی خودم پیگیری می‌کنم.",
        "As I promised yesterday, here is the update.",
    ],
)
def test_honest_limits_are_not_guarantees(index, draft):
    assert "over_promise" not in found(draft, index)


# ------------------------------------------------------------------ bare_refusal
@pytest.mark.parametrize(
    ("draft", "span"),
    [
        ("That's not possible.", "That's not possible"),
        ("Sorry, we can't refund this order.", "we can't refund"),
        ("متاسفانه امکان‌پذیر نیست.", "امکان‌پذیر نیست"),
        ("نمیشه.", "نمیشه"),
    ],
)
def test_a_refusal_with_no_reason_and_no_alternative(index, draft, span):
    assert found(draft, index)["bare_refusal"] == [span]


@pytest.mark.parametrize(
    "draft",
    [
        "That's not possible because the fare rules of this ticket don't allow changes.",
        "We can't refund it, but I can offer a replacement sent by express today.",
        "امکان‌پذیر نیست چون طبق قوانین بانک مرکزی انتقال برگشت ندارد.",
        "این کار امکان‌پذیر نیست، ولی می‌تونم برایتان یک کد تخفیف بفرستم.",
    ],
)
def test_a_refusal_with_a_reason_or_an_alternative_is_fine(index, draft):
    assert "bare_refusal" not in found(draft, index)


# --------------------------------------------------------------- blames_customer
@pytest.mark.parametrize(
    ("draft", "span"),
    [
        ("As I already said, the refund takes time.", "As I already said"),
        ("You should have read the terms before booking.", "You should have read"),
        ("تقصیر خودتونه که آدرس رو اشتباه زدید.", "تقصیر خودتونه"),
        ("همونطور که گفتم، باید صبر کنید.", "همونطور که گفتم"),
    ],
)
def test_blaming_the_customer_is_found(index, draft, span):
    assert span in found(draft, index)["blames_customer"]


@pytest.mark.parametrize(
    "draft",
    [
        "You should have received a confirmation email by now; let me resend it.",
        "As promised, here is your tracking number.",
        "همان‌طور که قول داده بودم خبر سفارش را می‌دهم.",
    ],
)
def test_no_blame_in_neutral_wording(index, draft):
    assert "blames_customer" not in found(draft, index)


# ----------------------------------------------------------------- upset customer
ANGRY = "My order is 10 days late and nobody answers!! This is ridiculous"
GOOD = (
    "Sara, I'm so sorry: ten days late with no answer is not okay. I've checked order "
    "A-1042 myself and I'll handle it personally until it reaches you."
)


def test_an_upset_customer_without_name_apology_reflection_or_ownership(index):
    result = check(
        "Your order is in transit.",
        index=index,
        message=ANGRY,
        mood="angry",
        customer={"name": "Sara"},
    )
    assert {"no_name", "no_apology", "no_reflection", "no_ownership"} <= set(result.codes)
    assert all(f.start == f.end == 0 for f in result.findings if f.code.startswith("no_"))


def test_a_good_reply_to_an_upset_customer_has_none_of_them(index):
    result = check(GOOD, index=index, message=ANGRY, mood="angry", customer={"name": "Sara"})
    assert not {"no_name", "no_apology", "no_reflection", "no_ownership"} & set(result.codes)


def test_a_calm_customer_is_not_held_to_them(index):
    result = check(
        "Your order is in transit.",
        index=index,
        message="where is my order?",
        mood="calm",
        customer={"name": "Sara"},
    )
    assert result.codes == []


def test_the_mood_is_read_from_the_message_when_not_given(index):
    result = check("Your order is in transit.", index=index, message=ANGRY + ", you idiots")
    assert result.mood == "angry" and "no_apology" in result.codes


def test_persian_upset_customer(index):
    message = "سه بار زنگ زدم هیچکس جواب نداد!! سفارشم کجاست؟"
    bare = check(
        "سفارش در راه است.",
        index=index,
        message=message,
        mood="frustrated",
        customer={"name": "سارا"},
    )
    assert {"no_name", "no_apology", "no_reflection", "no_ownership"} <= set(bare.codes)
    good = check(
        "سارا جان، واقعاً متأسفم که سه بار تماس گرفتید و جوابی نگرفتید. خودم پیگیری می‌کنم.",
        index=index,
        message=message,
        mood="frustrated",
        customer={"name": "سارا"},
    )
    assert not {"no_name", "no_apology", "no_reflection", "no_ownership"} & set(good.codes)
    assert good.lang == "fa"


# ---------------------------------------------------------------------- repeated
def test_a_sentence_already_sent_in_the_conversation(index):
    history = [
        Turn("agent", "Hi Sara. Transfers are held for 72 hours by the cyber police rule."),
        Turn("customer", "still nothing!"),
    ]
    draft = "Sorry for the wait. Transfers are held for 72 hours by the cyber police rule!"
    spans = found(draft, index, history=history)
    assert spans["repeated"] == ["Transfers are held for 72 hours by the cyber police rule!"]


def test_short_greetings_and_customer_turns_are_not_repeats(index):
    history = [Turn("agent", "Hi Sara."), Turn("customer", "The transfer has not arrived yet")]
    assert "repeated" not in found(
        "Hi Sara. The transfer has not arrived yet, I see.", index, history=history
    )


# --------------------------------------------------------------------- follow_up
def test_a_promise_to_come_back_proposes_a_follow_up(index):
    draft = "I'm chasing the courier now and I'll email you within 24 hours with their answer."
    result = check(draft, index=index, suggestion_id=LATE)
    proposal = result.follow_up
    assert proposal is not None
    assert (proposal.due_in_hours, proposal.channel, proposal.channel_from) == (
        24,
        "email",
        "draft",
    )
    assert draft[proposal.start : proposal.end] == draft
    finding = next(f for f in result.findings if f.code == "follow_up")
    assert finding.severity == "info"


def test_a_persian_promise_to_come_back_takes_the_customers_channel(index):
    result = check("تا فردا خبرتون میکنم.", index=index, customer={"channel": "sms"})
    assert result.follow_up is not None
    assert (result.follow_up.due_in_hours, result.follow_up.channel) == (24, "sms")
    assert result.follow_up.channel_from == "customer"
    assert "follow_up" in result.codes


def test_no_follow_up_without_a_promise(index):
    assert check("Your parcel was delivered this morning.", index=index).follow_up is None


# ------------------------------------------------------------------ the contract
def test_messages_are_in_the_drafts_language_and_every_code_is_documented(index):
    result = check("نمیشه.", index=index)
    (finding,) = result.findings
    assert finding.code in CODES
    assert any("\u0600" <= c <= "\u06ff" for c in finding.message + finding.hint)
    english = check("That's not possible.", index=index).findings[0]
    assert english.message.isascii()


def test_an_empty_draft_is_refused_clearly(index):
    with pytest.raises(InvalidMessage, match="draft is empty"):
        check(" \u200c ", index=index)


def test_an_unknown_mood_is_refused(index):
    with pytest.raises(InvalidMessage, match="mood"):
        check("hello", index=index, mood="furious")


def test_a_clean_draft_has_no_findings(index):
    draft = "Hi Sara, the courier scanned your parcel in Tabriz this morning; it arrives Sunday."
    result = check(draft, index=index, message="where is my parcel?", mood="calm")
    assert result.findings == () and result.recital < 0.3
