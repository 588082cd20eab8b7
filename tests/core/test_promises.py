import pytest

from assist.core.promises import find_time_promises, longest_promise_hours


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("We'll refund you within 3 business days", 101),
        ("I'll call you back tomorrow", 48),
        ("It takes 2-3 days", 72),
        ("within 48h", 48),
        ("تا ۲۴ ساعت آینده بررسی می‌کنم", 24),
        ("ظرف سه روز کاری", 101),
        ("in a few days", 72),
        ("two weeks", 336),
    ],
)
def test_time_promises_are_found_in_hours(text, hours):
    assert longest_promise_hours(text) == hours


@pytest.mark.parametrize("text", ["our 24/7 support team", "پشتیبانی ۲۴ ساعته", "data hours", ""])
def test_availability_is_not_a_promise(text):
    assert find_time_promises(text) == []


def test_slot_amounts_are_promises_of_unknown_length():
    (promise,) = find_time_promises("held for up to {{hold_hours}} hours")
    assert promise.hours is None
