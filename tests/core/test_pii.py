"""pii.py: personal data found by shape and checksum, in ASCII, Persian and Arabic-Indic
digits; order ids, amounts, dates and times left alone."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assist.core.pii import KINDS, Found, find, mask

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def luhn_digit(prefix: str) -> str:
    total = 0
    for position, char in enumerate(reversed(prefix)):
        digit = int(char)
        if position % 2 == 0:  # these are doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def national_id_digit(prefix: str) -> str:
    remainder = sum(int(prefix[i]) * (10 - i) for i in range(9)) % 11
    return str(remainder if remainder < 2 else 11 - remainder)


def iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


# Well-known valid numbers, so the helpers above are checked too.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6037991234567893"]
NATIONAL_IDS = ["0012345679", "1234567891", "4987654326"]
SHEBA = "IR062960000000100324200001"


def test_the_helpers_agree_with_known_numbers():
    assert all(luhn_digit(card[:-1]) == card[-1] for card in CARDS)
    assert iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert iban("IR", SHEBA[4:]) == SHEBA
    assert national_id_digit("001234567") == "9"


def kinds(text: str) -> list[str]:
    return [f.kind for f in find(text)]


def only(text: str, kind: str, fragment: str) -> None:
    """`text` holds exactly one item, of `kind`, spanning exactly `fragment`."""
    found = find(text)
    assert [f.kind for f in found] == [kind], (text, found)
    assert text[found[0].start : found[0].end] == fragment


POSITIVES = [
    # emails
    ("email", "write to sara.k+shop@example.co.uk please", "sara.k+shop@example.co.uk"),
    ("email", "ایمیل من: ali_r@mail.ir است", "ali_r@mail.ir"),
    ("email", "(SARA@EXAMPLE.COM)", "SARA@EXAMPLE.COM"),
    # Iranian mobiles, every way they are written
    ("phone", "call 09121234567 today", "09121234567"),
    ("phone", "call 0912 123 4567 today", "0912 123 4567"),
    ("phone", "call 0912-123-4567 today", "0912-123-4567"),
    ("phone", "call +989121234567 today", "+989121234567"),
    ("phone", "call +98 912 123 4567 today", "+98 912 123 4567"),
    ("phone", "call 00989121234567 today", "00989121234567"),
    ("phone", "Tel:09351234567", "09351234567"),
    ("phone", "شماره‌ام ۰۹۱۲۱۲۳۴۵۶۷ است", "۰۹۱۲۱۲۳۴۵۶۷"),
    ("phone", "شماره‌ام ٠٩١٢١٢٣٤٥٦٧ است", "٠٩١٢١٢٣٤٥٦٧"),
    ("phone", "شماره‌ام۰۹۱۲۱۲۳۴۵۶۷", "۰۹۱۲۱۲۳۴۵۶۷"),  # glued to a Persian word
    # landlines with area code, international numbers
    ("phone", "office 021-88776655", "021-88776655"),
    ("phone", "office (021) 8877 6655", "(021) 8877 6655"),
    ("phone", "تلفن ۰۳۱۳۲۲۲۳۳۴۴", "۰۳۱۳۲۲۲۳۳۴۴"),
    ("phone", "office +98 21 8877 6655", "+98 21 8877 6655"),
    ("phone", "ring +44 20 7946 0958", "+44 20 7946 0958"),
    ("phone", "ring +1 (555) 123-4567", "+1 (555) 123-4567"),
    ("phone", "ring 0044 20 7946 0958", "0044 20 7946 0958"),
    # a bare label is not an id noun: these stay phones
    ("phone", "واحد پیگیری: ۰۲۱-۸۸۷۷۶۶۵۵", "۰۲۱-۸۸۷۷۶۶۵۵"),
    ("phone", "order 09121234567", "09121234567"),
    ("phone", "شماره سفارش را با ۰۹۱۲۱۲۳۴۵۶۷ هماهنگ کنید", "۰۹۱۲۱۲۳۴۵۶۷"),
    # cards
    ("card", "card 4111 1111 1111 1111.", "4111 1111 1111 1111"),
    ("card", "card 4111-1111-1111-1111", "4111-1111-1111-1111"),
    ("card", "card 4111111111111111", "4111111111111111"),
    ("card", "amex 3782 822463 10005", "3782 822463 10005"),
    ("card", "کارت ۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳ به نام من", "۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳"),
    ("card", "کارت ٦٠٣٧٩٩١٢٣٤٥٦٧٨٩٣", "٦٠٣٧٩٩١٢٣٤٥٦٧٨٩٣"),
    ("card", "شماره کارت:6037991234567893", "6037991234567893"),
    # IBAN and Sheba
    ("iban", f"sheba {SHEBA} thanks", SHEBA),
    ("iban", "شبا IR06 2960 0000 0010 0324 2000 01 لطفا", "IR06 2960 0000 0010 0324 2000 01"),
    ("iban", "شبا IR" + SHEBA[2:].translate(PERSIAN), "IR" + SHEBA[2:].translate(PERSIAN)),
    ("iban", "iban DE89 3704 0044 0532 0130 00 is mine", "DE89 3704 0044 0532 0130 00"),
    ("iban", "GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("iban", "lower ir062960000000100324200001 too", "ir062960000000100324200001"),
    # national ids
    ("national-id", "کد ملی ۰۰۱۲۳۴۵۶۷۹", "۰۰۱۲۳۴۵۶۷۹"),
    ("national-id", "national id 1234567891.", "1234567891"),
    ("national-id", "کد ملی 001-234567-9", "001-234567-9"),
]


@pytest.mark.parametrize(("kind", "text", "fragment"), POSITIVES)
def test_personal_data_is_found(kind, text, fragment):
    only(text, kind, fragment)


@pytest.mark.parametrize(("kind", "text", "fragment"), POSITIVES)
def test_masking_keeps_the_kind_and_the_rest(kind, text, fragment):
    assert mask(text) == text.replace(fragment, f"[{kind}]", 1)


NEGATIVES = [
    "Sara, I checked order A-1042: it left the hub.",
    "order #4111111111111111 is on its way",
    "order A-4111111111111111",
    "orders/6037991234567893",
    "ORD_1234567891",
    "order 6037991234567893 shipped",  # labelled: an order number, checksum or not
    "کد رهگیری: ۱۲۳۴۵۶۷۸۹۱",
    "شماره سفارش ۶۰۳۷۹۹۱۲۳۴۵۶۷۸۹۳",
    "tracking 1Z999AA10123456784",
    "tracking RR123456785IR",
    "مرسوله ۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴",  # Iran Post: 24 digits
    "مبلغ 2,500,000 تومان",
    "مبلغ ۲٬۵۰۰٬۰۰۰ تومان",
    "total 1234567891 toman",
    "total 1234567891 ریال",
    "۱۲۳۴۵۶۷۸۹۱ تومان واریز شد",
    "$6037991234567893",
    "pi is 3.1234567891",
    "1234567891.5",
    "1402/05/12",
    "2024-01-15 10:30",
    "۱۴۰۲/۰۵/۱۲ ساعت ۱۰:۳۰",
    "between 10 - 12 today",
    "call 0912 123",  # too short
    "4111 1111 1111 1112",  # Luhn fails
    "0111111111111116",  # no card starts with 0
    "national id 1234567890",  # check digit wrong
    "1111111111",  # all one digit
    "IR062960000000100324200002",  # mod 97 fails
    "DE89 3704 0044 0532 0130 01",
    "sara at example dot com",
    "email@localhost",
    "version 1.2.3, build 20240115",
    # after an id noun even a phone-shaped number is the id («شماره پیگیری» is a reference)
    "شماره پیگیری: ۰۲۱۲۳۴۵۶۷۸۹",
    "کد پیگیری پستی ۰۱۲۳۴۵۶۷۸۹۰",
    "order number 09121234567",
    "tracking no. 02188776655",
    "کد پیگیری بانکی ۶۰۳۷۹۹۱۲۳۴۵۶۷۸۹۳",
    "2 500 000 000 000 000",  # grouped by thousands: an amount
    "",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_ids_amounts_dates_and_times_are_not_personal_data(text):
    assert find(text) == [], find(text)
    assert mask(text) == text


@pytest.mark.parametrize("text", NEGATIVES[:12])
def test_negatives_stay_negative_in_persian_digits(text):
    assert find(text.translate(PERSIAN)) == []
    assert find(text.translate(ARABIC)) == []


def test_several_kinds_in_one_text_and_their_order():
    text = (
        "سلام، من سارا هستم (sara@example.com)، موبایل ۰۹۱۲۱۲۳۴۵۶۷، کارت "
        "6037-9912-3456-7893 و شبا IR062960000000100324200001. کد ملی: 0012345679. "
        "سفارش A-1042 به مبلغ 2,500,000 تومان."
    )
    assert kinds(text) == ["email", "phone", "card", "iban", "national-id"]
    assert mask(text) == (
        "سلام، من سارا هستم ([email])، موبایل [phone]، کارت [card] و شبا [iban]. "
        "کد ملی: [national-id]. سفارش A-1042 به مبلغ 2,500,000 تومان."
    )


def test_a_phone_then_a_card_in_one_run_are_two_items():
    assert kinds("+98 912 123 4567 4111 1111 1111 1111") == ["phone", "card"]
    assert kinds("order A-1042 4111 1111 1111 1111") == ["card"]


def test_digits_inside_an_email_are_the_email():
    assert kinds("09121234567@example.com") == ["email"]


def test_found_is_a_plain_value():
    assert Found("card", 1, 2) == Found("card", 1, 2)
    assert set(KINDS) == {"email", "phone", "card", "iban", "national-id"}


# ------------------------------------------------------------------ properties

FILLER = st.sampled_from(
    ["", "hi ", "سلام ", "order A-1042 ", "مبلغ 2,500,000 تومان ", "at 10:30 ", "۱۴۰۲/۰۵/۱۲ "]
)
DIGIT_STYLE = st.sampled_from([str.maketrans("", ""), PERSIAN, ARABIC])


@st.composite
def cards(draw) -> str:
    prefix = draw(st.sampled_from(["4", "51", "6037", "5892", "37"]))
    length = draw(st.sampled_from([16, 16, 15, 19, 13]))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    number = body + luhn_digit(body)
    if length == 16 and draw(st.booleans()):
        sep = draw(st.sampled_from([" ", "-"]))
        number = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    return number


@st.composite
def mobiles(draw) -> str:
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    prefix = draw(st.sampled_from(["0", "+98", "0098", "+98 "]))
    return f"{prefix}9{rest}"


@st.composite
def national_ids(draw) -> str:
    body = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    number = body + national_id_digit(body)
    assume(len(set(number)) > 1)
    return number


@st.composite
def shebas(draw) -> str:
    bban = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=22, max_size=22)))
    return iban("IR", bban)


@settings(max_examples=150, deadline=None)
@given(
    kind_and_value=st.one_of(
        st.tuples(st.just("card"), cards()),
        st.tuples(st.just("phone"), mobiles()),
        st.tuples(st.just("national-id"), national_ids()),
        st.tuples(st.just("iban"), shebas()),
    ),
    before=FILLER,
    after=FILLER,
    style=DIGIT_STYLE,
)
def test_generated_personal_data_is_always_found_and_masked(kind_and_value, before, after, style):
    kind, value = kind_and_value
    value = value.translate(style)
    text = f"{before}{value} {after}"
    found = [f for f in find(text) if text[f.start : f.end] == value]
    assert [f.kind for f in found] == [kind], (text, find(text))
    assert value not in mask(text) and f"[{kind}]" in mask(text)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(min_value=0, max_value=10**15), unit=st.sampled_from(["تومان", "ریال"]))
def test_amounts_with_thousands_separators_are_never_personal_data(amount, unit):
    for separator in (",", "٬"):
        text = f"مبلغ {amount:,} {unit}".replace(",", separator)
        assert find(text) == [] and find(text.translate(PERSIAN)) == []


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    order=st.integers(1, 10**12),
)
def test_dates_times_and_order_ids_are_never_personal_data(day, hour, minute, order):
    text = f"{day.isoformat()} {hour:02d}:{minute:02d} order A-{order} {day:%Y/%m/%d}"
    assert find(text) == [] and find(text.translate(PERSIAN)) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789۰۹٠٩ +-()@.,:/#aZIRx_سل\n"), max_size=80))
def test_any_text_gives_ordered_disjoint_spans_and_masking_is_stable(text):
    found = find(text)
    assert all(0 <= f.start < f.end <= len(text) for f in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    masked = mask(text)
    assert mask(masked) == masked


def test_a_long_adversarial_text_is_masked_quickly():
    """final_text may be 20,000 characters: no shape makes masking slow."""
    import time

    texts = [
        "1 " * 10_000,
        "4111 " * 4_000,
        "+1 " * 6_600,
        "09121234567 " * 1_700,
        ("a" * 60 + "@" + "b" * 200 + " ") * 70,
        "x@" + "a." * 9_000,
        ("IR12 " + "1234 " * 10) * 360,
    ]
    started = time.perf_counter()
    for text in texts:
        mask(text[:20_000])
    assert time.perf_counter() - started < 3  # about 0.5 s on 2 cores
