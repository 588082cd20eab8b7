"""Recital: how much of a draft is template text, and whether any of it is the agent's."""

from __future__ import annotations

import pytest
from coach_index import fixture_index

from assist.coach import check
from assist.coach.aligned import Aligned
from assist.coach.recital import measure


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return fixture_index(tmp_path_factory)


SARA = {"name": "Sara", "order_id": "A-1042"}
# shop.yaml, order-late/check-tracking/en/0:
# "{{customer_name}}, I checked order {{order_id}}: [[what the tracking says]]."
# order-late/own-and-investigate is not in the fixture; offer-options/en/1:
# "Late parcels are frustrating, I know. [[what you can do]] Shall I go ahead?"


def codes(draft: str, index, **kw) -> list[str]:
    return check(draft, index=index, **kw).codes


@pytest.mark.parametrize(
    "draft",
    [
        "Late parcels are frustrating, I know. [[what you can do]] Shall I go ahead?",
        "Late parcels are frustrating, I know. What you can do. Shall I go ahead?",  # hint pasted
        "Late parcels are frustrating, I know. We are looking into it. Shall I go ahead?",  # filler
        "Late parcels are frustrating, I know! Shall I go ahead?",  # slot dropped
    ],
)
def test_a_template_with_nothing_of_the_agents_own_is_verbatim(index, draft):
    result = check(draft, index=index)
    assert "verbatim" in result.codes
    assert result.recital >= 0.6 and result.personal_words <= 2
    assert result.wording_id == "order-late/offer-options/en/1"


def test_a_template_with_the_human_slot_really_written_is_not_verbatim(index):
    draft = (
        "Late parcels are frustrating, I know. I can send a replacement today by express "
        "courier, or refund the full price to your card. Shall I go ahead?"
    )
    result = check(draft, index=index)
    assert "verbatim" not in result.codes
    assert result.personal_words >= 8
    assert 0.2 < result.recital < 0.75


def test_customer_data_in_data_slots_is_template_text_not_the_agents(index):
    draft = "Thanks for waiting, Sara. Order A-1042 shows we are checking it."
    result = check(
        draft, index=index, customer=SARA, suggestion_id="order-late/check-tracking/en/1"
    )
    assert "verbatim" in result.codes and result.personal_words == 0


def test_data_typed_by_hand_into_a_data_slot_counts_as_data(index):
    # No customer context was sent: the agent typed the order number themself.
    draft = "Thanks for waiting, Sara. Order 58213 shows it is being processed."
    result = check(draft, index=index)
    assert result.wording_id == "order-late/check-tracking/en/1"
    assert "verbatim" in result.codes


def test_free_text_is_not_a_recital(index):
    draft = (
        "Hi Sara, the courier scanned your parcel in Tabriz this morning; it missed the "
        "connecting truck, so it will reach you on Sunday."
    )
    result = check(draft, index=index)
    assert "verbatim" not in result.codes and result.recital < 0.3
    assert result.personal_words >= 10


def test_persian_recital_is_found_whatever_the_spelling_of_zwnj_and_yeh(index):
    # fa/1 of offer-options: «می‌دانم تأخیر آزاردهنده است. [[...]] انجامش بدهم؟»
    draft = "مي دانم تاخير آزاردهنده است. در حال بررسی هستیم. انجامش بدهم؟"
    result = check(draft, index=index)
    assert result.wording_id == "order-late/offer-options/fa/1"
    assert "verbatim" in result.codes and result.lang == "fa"


def test_the_suggested_wording_is_used_even_when_another_is_as_near(index):
    draft = "I'm sorry it's late. [[option you can offer]] Would that work for you?"
    result = measure(Aligned(draft), index, suggestion_id="order-late/offer-options/en/0")
    assert result.wording is not None
    assert result.wording.key == "order-late/offer-options/en/0" and result.coverage > 0.9


def test_recital_of_an_unknown_index_wording_is_zero_without_failing(index):
    result = measure(Aligned("zzz qqq"), index, suggestion_id="no-such/entry/en/0")
    assert result.recital == 0.0 and not result.verbatim


def test_a_value_of_several_words_fills_one_data_slot(index):
    customer = {"name": "Sara Ahmadi", "order_id": "A-1042"}
    result = measure(
        Aligned("Thanks for waiting, Sara Ahmadi. Order A-1042 shows"), index, customer=customer
    )
    assert result.wording is not None and result.wording.key == "order-late/check-tracking/en/1"
    assert result.recital == 1.0 and result.personal_words == 0
