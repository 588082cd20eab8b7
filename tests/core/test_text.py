from hypothesis import given
from hypothesis import strategies as st

from assist.core.text import (
    detect_script,
    is_question,
    normalise,
    reply_language,
    split_questions,
)


def test_arabic_letters_become_persian():
    assert normalise("كيف") == "کیف"
    assert normalise("علي") == "علی"


def test_diacritics_and_tatweel_are_removed():
    assert normalise("سـلامٌ") == "سلام"


def test_zwnj_and_spacing_variants_of_one_word_agree():
    forms = ["می‌خوام", "میخوام", "می خوام", "مي خوام"]
    assert len({normalise(f) for f in forms}) == 1
    assert normalise("کتاب ها") == normalise("کتاب‌ها") == normalise("کتابها")


def test_digits_become_ascii():
    assert normalise("سفارش ۱۲۳ و ٤٥٦") == "سفارش 123 و 456"


def test_latin_is_case_folded_and_spaces_collapse():
    assert normalise("  Where   IS\tmy\u00a0Order ") == "where is my order"


def test_elongation_and_repeated_punctuation_shrink():
    assert normalise("خیلیییییی بده!!!!") == "خیلی بده!"
    assert normalise("sooooo bad???") == "soo bad?"


def test_invisible_controls_are_dropped():
    assert normalise("\u200fسلام\u202b\ufeff") == "سلام"


@given(st.text())
def test_normalise_is_idempotent_and_total(text):
    once = normalise(text)
    assert normalise(once) == once


PERSIAN_HEAVY = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(
    " \u200c\u200dab?!."
)


@given(st.text(alphabet=PERSIAN_HEAVY))
def test_normalise_is_idempotent_on_persian_heavy_text(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_splitters_never_raise(text):
    assert split_questions(text)
    detect_script(text)
    reply_language(text)


def test_script_detection():
    assert detect_script("where is my order") == "en"
    assert detect_script("سفارشم کجاست") == "fa"
    assert detect_script("سفارش order tracking number کجاست") == "mixed"
    assert detect_script("1234 !!") == "mixed"


def test_reply_language_prefers_persian_for_mixed_and_finglish():
    assert reply_language("اپ crash میکنه") == "fa"
    assert reply_language("salam sefaresham hanooz nareside") == "fa"
    assert reply_language("hello, my order has not arrived") == "en"


def test_question_detection():
    assert is_question("Where is it?")
    assert is_question("سفارشم کی میرسه؟")
    assert is_question("how do I reset my password")
    assert not is_question("My order is late.")


def test_statement_and_its_question_stay_together():
    assert split_questions("My order is late. Where is it?") == ["My order is late. Where is it?"]


def test_several_questions_are_split():
    message = "I was charged twice. Can you refund me? Also, how do I change my password?"
    assert split_questions(message) == [
        "I was charged twice. Can you refund me?",
        "Also, how do I change my password?",
    ]
    fa = "سفارشم کی میرسه؟ راستی چطوری آدرس رو عوض کنم؟ ممنون"
    assert split_questions(fa) == ["سفارشم کی میرسه؟", "راستی چطوری آدرس رو عوض کنم؟ ممنون"]


def test_numbered_questions_on_one_line_are_split():
    assert split_questions("1) how do I reset my password 2) where is my order") == [
        "1) how do I reset my password",
        "2) where is my order",
    ]


def test_decimal_points_do_not_split():
    assert split_questions("It costs 3.5 dollars. Why?") == ["It costs 3.5 dollars. Why?"]


def test_numbered_statements_without_question_marks_are_split():
    assert split_questions("1. card declined 2. invoice 3. reset password") == [
        "1. card declined",
        "2. invoice",
        "3. reset password",
    ]
    assert split_questions("۱- کارتم رد شد ۲- فاکتور میخوام ۳- رمزمو یادم رفته") == [
        "۱- کارتم رد شد",
        "۲- فاکتور میخوام",
        "۳- رمزمو یادم رفته",
    ]


def test_bulleted_lines_are_split_and_the_lead_in_stays_with_the_first():
    message = "Three things:\n- my card was declined\n- I need an invoice\n* reset password"
    assert split_questions(message) == [
        "Three things: - my card was declined",
        "- I need an invoice",
        "* reset password",
    ]


def test_numbers_in_prose_are_not_a_list():
    for text in (
        "I ordered 2 items. 1 arrived",
        "call me at 1-800-555 or in 2-3 days",
        "Version 1.2.3 crashed at 1:30",
        "My order 2. arrived broken 1. day late",
    ):
        assert split_questions(text) == [text]
