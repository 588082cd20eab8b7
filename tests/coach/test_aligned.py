"""Aligned: rules match on normalise()d text, findings point at the draft as written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assist.coach.aligned import Aligned
from assist.core.text import normalise

# Letters and marks normalise() rewrites: Arabic yeh/kaf, ZWNJ, harakat, hamza above,
# Persian digits, tatweel, fullwidth digits, runs of letters and punctuation, spacing.
ALPHABET = "abcAB ١٢۳۴سیيكکمی‌\u200c\u064b\u0654اأ.!?؟ \n\tـ２ها"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_the_normalised_form_is_exactly_normalise(text):
    aligned = Aligned(text)
    assert aligned.norm == normalise(text)
    for token in aligned.tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert normalise(text[token.start : token.end]) == token.text


def test_spans_point_at_the_original_spelling():
    draft = "سلام  سارا جان، می خوام بدونم کتاب ها کجاست؟؟ ۲۴ ساعت"
    spans = {t.text: draft[t.start : t.end] for t in Aligned(draft).tokens}
    assert spans["میخوام"] == "می خوام" and spans["کتابها"] == "کتاب ها" and spans["24"] == "۲۴"


def test_sentences_end_at_punctuation_and_line_breaks_but_not_inside_numbers():
    draft = "Hi Sara.\nYour refund of 3.5 USD is on its way!! Really? yes؟ ok"
    assert [draft[s.start : s.end] for s in Aligned(draft).sentences] == [
        "Hi Sara.",
        "Your refund of 3.5 USD is on its way!!",
        "Really?",
        "yes؟",
        "ok",
    ]
