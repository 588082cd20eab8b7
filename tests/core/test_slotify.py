"""slotify.py: an agent's sent reply turned into a shareable snippet. The customer's own
data goes back into slots, labelled ids become slots, and personal data that is not the
customer's known context is reported so the caller can refuse it.

The tables were written from real chat habits (fa/en, Persian/Arabic-Indic digits, ZWNJ),
not from the implementation: each row states the whole expected text."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from assist.core.pii import KINDS
from assist.core.render import SLOT, template_problems
from assist.core.slotify import Personal, Slotified, to_snippet

SARA = {"name": "Sara Karimi"}
SARA_FA = {"name": "سارا محمدی"}


@dataclass(frozen=True)
class Row:
    text: str
    customer: dict[str, object] | None
    want: str  # the snippet text (personal data, if any, is left where it was)
    refused: tuple[str, ...] = ()  # kinds of personal data, in text order
    slots: tuple[str, ...] = field(default=())  # slot names added, in text order; () = any

    def __str__(self) -> str:  # readable test ids
        return self.text[:40]


# ------------------------------------------------------------------ slots and refusals

CHANGED = [
    # --- the customer's name, English
    Row(
        "Hi Sara, your order A-1042 has shipped.",
        {"name": "Sara Karimi", "order_id": "A-1042"},
        "Hi {{customer_name}}, your order {{order_id}} has shipped.",
        slots=("customer_name", "order_id"),
    ),
    Row(
        "Thanks Sara Karimi! I've refunded it.",
        SARA,
        "Thanks {{customer_name}}! I've refunded it.",
        slots=("customer_name",),
    ),
    Row("SARA, sorry for the wait.", {"name": "sara"}, "{{customer_name}}, sorry for the wait."),
    Row(
        "hi john, it's fixed now.", {"name": "John Smith"}, "hi {{customer_name}}, it's fixed now."
    ),
    Row(
        "Dear Mr. Smith, your refund is on its way.",
        {"name": "John Smith"},
        "Dear Mr. {{customer_name}}, your refund is on its way.",
    ),
    Row(
        "Sara's parcel left the hub today.",
        SARA,
        "{{customer_name}}'s parcel left the hub today.",
    ),
    Row(
        "I will check it myself and call you back tomorrow, Will.",
        {"name": "Will Turner"},
        "I will check it myself and call you back tomorrow, {{customer_name}}.",
        slots=("customer_name",),
    ),
    # --- the customer's name, Persian: letter variants, ZWNJ, honorifics
    Row(
        "سارا جان، سفارش شما امروز ارسال شد.",
        SARA_FA,
        "{{customer_name}} جان، سفارش شما امروز ارسال شد.",
    ),
    Row(
        "علي عزیز، مبلغ به حسابتان برگشت.",
        {"name": "علی رضایی"},
        "{{customer_name}} عزیز، مبلغ به حسابتان برگشت.",
    ),
    Row(
        "کیان عزیز، مشکل حل شد.",
        {"name": "كيان"},  # Arabic kaf and yeh in the CRM
        "{{customer_name}} عزیز، مشکل حل شد.",
    ),
    Row(
        "محمد‌رضا عزیز، کارتتان فعال شد.",
        {"name": "محمدرضا احمدی"},
        "{{customer_name}} عزیز، کارتتان فعال شد.",
    ),
    Row(
        "سارا‌جان ممنون از صبرتان.",
        SARA_FA,
        "{{customer_name}}‌جان ممنون از صبرتان.",  # the ZWNJ stays with the suffix
    ),
    Row(
        "علیِ عزیز، کارت ســارا هم فعال شد.",  # a kasre after the name, a tatweel inside one
        {"name": "علی", "sister": "سارا"},
        "{{customer_name}} عزیز، کارت {{sister}} هم فعال شد.",
    ),
    Row(
        "خانم محمدی، درخواستتان ثبت شد.",
        SARA_FA,
        "خانم {{customer_name}}، درخواستتان ثبت شد.",
    ),
    Row(
        "آرزو جان، آرزو می‌کنم مشکل زودتر حل شود.",
        {"name": "آرزو کریمی"},
        "{{customer_name}} جان، آرزو می‌کنم مشکل زودتر حل شود.",
        slots=("customer_name",),
    ),
    # --- known context values
    Row(
        "A confirmation is on its way to sara.k@example.com.",
        {"name": "Sara", "email": "sara.k@example.com"},
        "A confirmation is on its way to {{email}}.",
        slots=("email",),
    ),
    Row(
        "It was sent to SARA.K@EXAMPLE.COM, Sara.",
        {"name": "Sara", "email": "sara.k@example.com"},
        "It was sent to {{email}}, {{customer_name}}.",
        slots=("email", "customer_name"),
    ),
    Row(
        "We'll call you on 0912 123 4567 within two hours.",
        {"phone": "09121234567"},
        "We'll call you on {{phone}} within two hours.",
        slots=("phone",),
    ),
    Row(
        "We'll call you on +98 912 123 4567 today.",
        {"phone": "09121234567"},
        "We'll call you on {{phone}} today.",
    ),
    Row(
        "با شماره ۰۹۱۲۱۲۳۴۵۶۷ تماس می‌گیرم.",
        {"phone": "+989121234567"},
        "با شماره {{phone}} تماس می‌گیرم.",
    ),
    Row(
        "Transfer TRX7781 of 2,000,000 toman is on hold for 48 hours.",
        {"transaction_id": "TRX7781"},
        "Transfer {{transaction_id}} of 2,000,000 toman is on hold for 48 hours.",
    ),
    Row(
        "Your Premium Plus plan renews on 1403/02/01.",
        {"plan_name": "Premium Plus"},
        "Your {{plan_name}} plan renews on 1403/02/01.",
    ),
    Row(
        "The card ending 1111 is blocked now.",
        {"card_last4": "1111"},
        "The card ending {{card_last4}} is blocked now.",
    ),
    Row(
        "رضا عزیز، سفارش ۱۲۳۴۵ ارسال شد.",
        {"name": "رضا", "order_id": "12345"},  # ASCII digits in the CRM, Persian in the chat
        "{{customer_name}} عزیز، سفارش {{order_id}} ارسال شد.",
    ),
    # --- ids recognised by their label, not in the context
    Row(
        "Hi John, order #88123 left our warehouse today.",
        {"name": "John"},
        "Hi {{customer_name}}, order #{{order_id}} left our warehouse today.",
    ),
    Row(
        "Your order number is 5567821, John.",
        {"name": "John"},
        "Your order number is {{order_id}}, {{customer_name}}.",
    ),
    Row("Order ID: B7-99120 is confirmed.", None, "Order ID: {{order_id}} is confirmed."),
    Row(
        "I've checked transaction TX-99812 for you.",
        None,
        "I've checked transaction {{transaction_id}} for you.",
    ),
    Row(
        "Your tracking number is 1Z999AA10123456784.",
        None,
        "Your tracking number is {{tracking_number}}.",
    ),
    Row("tracking: RR123456785IR", None, "tracking: {{tracking_number}}"),
    Row(
        "USPS tracking number 9400 1118 9922 3344 5566 77 is active.",
        None,  # grouped for reading: the whole number is the id
        "USPS tracking number {{tracking_number}} is active.",
    ),
    Row(
        "کد رهگیری ۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶ را در سایت پست وارد کنید.",
        None,
        "کد رهگیری {{tracking_number}} را در سایت پست وارد کنید.",
    ),
    Row("I've opened ticket #45012 for this.", None, "I've opened ticket #{{ticket_id}} for this."),
    Row(
        "I escalated ticket 4501 48 hours ago.",
        None,  # "48 hours" is a duration, not more of the id
        "I escalated ticket {{ticket_id}} 48 hours ago.",
    ),
    Row("Booking XK7P2Q is cancelled.", None, "Booking {{booking_ref}} is cancelled."),
    Row(
        "You're checked in for flight W5 1120.",
        None,
        "You're checked in for flight {{flight_number}}.",
    ),
    Row("سفارش ۱۲۳۴۵ شما امروز ارسال شد.", None, "سفارش {{order_id}} شما امروز ارسال شد."),
    Row("شماره سفارش: ۹۸۷۶۵۴", None, "شماره سفارش: {{order_id}}"),
    Row("سفارش‌تان با شماره ٣٤٥٦٧ ثبت شد.", None, "سفارش‌تان با شماره {{order_id}} ثبت شد."),
    Row(
        "کد رهگیری ۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴ است.",
        None,
        "کد رهگیری {{tracking_number}} است.",
    ),
    Row(
        "کد پیگیری ۴۵۶۷۸۹ را یادداشت کنید.",
        None,
        "کد پیگیری {{tracking_number}} را یادداشت کنید.",
    ),
    Row(
        "انتقال با شماره پیگیری ۷۷۸۸۹۹۰۰ بررسی شد.",
        None,
        "انتقال با شماره پیگیری {{transaction_id}} بررسی شد.",
    ),
    Row("تراکنش ۳۳۴۴۵۵۶۶ را بررسی کردم.", None, "تراکنش {{transaction_id}} را بررسی کردم."),
    Row("تیکت ۴۵۰۱۲ برای تیم فنی ثبت شد.", None, "تیکت {{ticket_id}} برای تیم فنی ثبت شد."),
    Row("پرونده ۷۸۹۰۱ در حال بررسی است.", None, "پرونده {{ticket_id}} در حال بررسی است."),
    Row("رزرو XK7P2Q لغو شد.", None, "رزرو {{booking_ref}} لغو شد."),
    Row(
        "کارتی که چهار رقم آخرش ۴۲۴۲ است مسدود شد.",
        None,
        "کارتی که چهار رقم آخرش {{card_last4}} است مسدود شد.",
    ),
    # --- existing slots are kept as they are
    Row(
        "{{customer_name}}, order A-1042 is on its way. [[add a personal touch]]",
        {"order_id": "A-1042"},
        "{{customer_name}}, order {{order_id}} is on its way. [[add a personal touch]]",
        slots=("order_id",),
    ),
    Row(
        "[[thank Sara for waiting]] Sara, it's fixed.",
        SARA,
        "[[thank Sara for waiting]] {{customer_name}}, it's fixed.",
    ),
    # --- personal data that is not the customer's context: refused
    Row(
        "Please send the receipt to ali.r@gmail.com, Sara.",
        SARA,
        "Please send the receipt to ali.r@gmail.com, {{customer_name}}.",
        refused=("email",),
    ),
    Row(
        "I sent it to sara@example.com.",
        {"name": "Sara"},  # the name inside an email address is the email's
        "I sent it to sara@example.com.",
        refused=("email",),
    ),
    Row("Call me back at 09351234567.", None, "Call me back at 09351234567.", refused=("phone",)),
    Row(
        "The refund went to card 6037 9912 3456 7893.",
        None,
        "The refund went to card 6037 9912 3456 7893.",
        refused=("card",),
    ),
    Row(
        "Your IBAN DE89 3704 0044 0532 0130 00 is confirmed.",
        None,
        "Your IBAN DE89 3704 0044 0532 0130 00 is confirmed.",
        refused=("iban",),
    ),
    Row(
        "National ID 0012345679 verified.",
        None,
        "National ID 0012345679 verified.",
        refused=("national-id",),
    ),
    Row(
        "Sara, your order A-1042 ships today; I'll text 09121234567.",
        {"name": "Sara", "order_id": "A-1042"},
        "{{customer_name}}, your order {{order_id}} ships today; I'll text 09121234567.",
        refused=("phone",),
    ),
    Row(
        "ایمیل شما reza.m@yahoo.com ثبت شد.",
        SARA_FA,
        "ایمیل شما reza.m@yahoo.com ثبت شد.",
        refused=("email",),
    ),
    Row(
        "با شماره ۰۹۱۲۱۲۳۴۵۶۷ تماس می‌گیرم.",
        {"phone": "09350000000"},  # a different number than the customer's
        "با شماره ۰۹۱۲۱۲۳۴۵۶۷ تماس می‌گیرم.",
        refused=("phone",),
    ),
    Row("موبایل: ٠٩١٢١٢٣٤٥٦٧", None, "موبایل: ٠٩١٢١٢٣٤٥٦٧", refused=("phone",)),
    Row(
        "مبلغ به کارت ۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳ واریز شد.",
        None,
        "مبلغ به کارت ۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳ واریز شد.",
        refused=("card",),
    ),
    Row(
        "شبا IR062960000000100324200001 تأیید شد.",
        None,
        "شبا IR062960000000100324200001 تأیید شد.",
        refused=("iban",),
    ),
    Row(
        "کد ملی ۰۰۱۲۳۴۵۶۷۹ تأیید شد.",
        None,
        "کد ملی ۰۰۱۲۳۴۵۶۷۹ تأیید شد.",
        refused=("national-id",),
    ),
    Row(
        "write to a.b@shop.co or call 021-88776655",
        None,
        "write to a.b@shop.co or call 021-88776655",
        refused=("email", "phone"),
    ),
    Row(
        "[[ask them to confirm 09121234567]] Done!",
        None,  # a hint is kept as written, but what it holds is still refused
        "[[ask them to confirm 09121234567]] Done!",
        refused=("phone",),
    ),
]


@pytest.mark.parametrize("row", CHANGED, ids=str)
def test_data_becomes_slots_and_personal_data_is_reported(row: Row):
    result = to_snippet(row.text, row.customer)
    assert result.text == row.want
    assert [p.kind for p in result.personal] == list(row.refused), result.personal
    if row.slots:
        assert [name for name, _ in result.replaced] == list(row.slots)
    assert template_problems(result.text) == []


# ------------------------------------------------------------------ left alone

UNCHANGED = [
    ("It usually takes 48 hours; I'll update you by 10:30 tomorrow.", SARA),
    ("حداکثر ۴۸ ساعت طول می‌کشد.", SARA_FA),
    ("مبلغ ۲٬۵۰۰٬۰۰۰ تومان به حساب شما برگشت.", SARA_FA),
    ("The refund of 1,250,000 toman was sent on 1403/02/15.", SARA),
    ("تاریخ تحویل ۱۴۰۳/۰۲/۱۵ ساعت ۱۴:۰۰ است.", None),
    ("Please update the app to version 3.12.4 (build 20240115).", None),
    ("۲۰٪ تخفیف روی سفارش بعدی شما اعمال شد.", SARA_FA),
    ("Dial *123# to check your balance.", None),
    ("Our support line 1570 is open from 8 to 22.", None),
    ("کد تخفیف SUMMER20 را در سبد خرید وارد کنید.", None),
    ("You ordered 12 items; 10 have arrived so far.", None),
    ("۱۲ عدد از ۱۵ عدد کالا رسیده است.", None),
    ("In 2023 we shipped 1200000 parcels.", None),
    ("UPS says 1Z999AA10123456784 is out for delivery.", None),
    ("بسته شما با پست پیشتاز ارسال شد و ۱۰ تا ۱۴ روز کاری می‌رسد.", None),
    ("Your verification code is 482913; it expires in 5 minutes.", None),
    ("Transfers over 100,000,000 rials need 2 working days.", None),
    ("Call us between 9:00 and 17:00, Saturday to Wednesday.", None),
    ("نسخه ۵.۲.۱ اپلیکیشن را نصب کنید.", None),
    ("سال ۱۴۰۲ بیش از ۱۰۰۰۰ سفارش ثبت شد.", None),
    ("Price: $49.99/month, billed yearly at $499.", None),
    ("هزینه ارسال ۴۵ هزار تومان است.", None),
    ("The interest rate is 23.5% per year.", None),
    ("Order 250 more units before Friday for the bulk price.", None),
    ("Your order will arrive in 3-5 business days.", None),
    ("سفارش‌های بالای ۵۰۰ هزار تومان ارسال رایگان دارند.", None),
    ("سفارش ۲ تا کالا در یک روز ممکن است.", None),
    ("The transaction of 350,000 IRR went through at 14:05.", None),
    ("We're open 24/7, and the app works offline since 2.4.", None),
    ("مبلغ ۲۵۰۰۰۰۰۰ ریال کسر شد و تا ۷۲ ساعت برمی‌گردد.", None),
    ("Alice from our billing team will follow up.", {"name": "Ali"}),
    ("I will check it and call you back.", {"name": "Will Turner"}),
    ("آرزو می‌کنم روز خوبی داشته باشید.", {"name": "آرزو"}),
    ("پرواز ساعت ۱۰:۳۰ انجام می‌شود.", None),
    (
        "Your 2 orders were refunded 2 days ago (45.50 USD).",
        {"lang": "en", "vip": True, "orders": 2},
    ),
    ("{{ customer_name }}, your {{order_id}} is here. [[say sorry to Sara]]", SARA),
]


@pytest.mark.parametrize(("text", "customer"), UNCHANGED, ids=[t[:40] for t, _ in UNCHANGED])
def test_amounts_dates_times_codes_and_look_alikes_pass_unchanged(text, customer):
    result = to_snippet(text, customer)
    assert result == Slotified(text, [], [])


def test_the_tables_are_big_enough():
    assert len(CHANGED) >= 40 and len(UNCHANGED) >= 20
    assert sum(1 for r in CHANGED if r.refused) >= 10
    assert sum(1 for r in CHANGED if any(0x0600 <= ord(c) <= 0x06FF for c in r.text)) >= 15


# ------------------------------------------------------------------ the result's shape


def test_replaced_pairs_name_the_slot_and_the_original_spelling():
    result = to_snippet(
        "علي جان، سفارش A-1042 و کد رهگیری ۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴", {"name": "علی"}
    )
    assert result.replaced == [
        ("customer_name", "علي"),
        ("order_id", "A-1042"),
        ("tracking_number", "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴"),
    ]
    assert result.personal == []


def test_personal_items_carry_kind_masked_value_and_position_in_the_input():
    text = "Sara, card 6037 9912 3456 7893 and ali.r@gmail.com"
    result = to_snippet(text, {"name": "Sara"})
    card, email = result.personal
    assert isinstance(card, Personal)
    assert (card.kind, text[card.start : card.end]) == ("card", "6037 9912 3456 7893")
    assert card.masked == "**** **** **** 7893"
    assert (email.kind, text[email.start : email.end]) == ("email", "ali.r@gmail.com")
    assert email.masked == "a***@gmail.com"
    assert all(p.kind in KINDS for p in result.personal)
    assert not result.ok


def test_masked_values_never_repeat_the_whole_value():
    result = to_snippet("۰۹۱۲۱۲۳۴۵۶۷ / IR062960000000100324200001 / ۰۰۱۲۳۴۵۶۷۹", None)
    assert [p.kind for p in result.personal] == ["phone", "iban", "national-id"]
    assert [p.masked for p in result.personal] == [
        "*******۴۵۶۷",
        "IR" + "*" * 20 + "0001",
        "******۵۶۷۹",
    ]


def test_inserted_slots_are_the_only_new_slots_and_render_back():
    from assist.core.render import customer_context, render

    customer = {"name": "Sara Karimi", "order_id": "A-1042", "email": "s@example.com"}
    text = "Sara, order A-1042 is confirmed; the receipt went to s@example.com."
    result = to_snippet(text, customer)
    assert result.ok
    assert [m.group(1) for m in SLOT.finditer(result.text)] == [
        "customer_name",
        "order_id",
        "email",
    ]
    rendered = render(result.text, customer_context(customer)).text
    assert rendered == text.replace("Sara,", "Sara Karimi,")


def test_customer_data_cannot_inject_slots_or_formatting():
    customer = {"name": "{{x}} {0} [[y]]", "order_id": "{order_id}"}
    text = "Hi {0}, order {order_id} %s is here."
    result = to_snippet(text, customer)
    # The order id value is found literally (escaped, never formatted) and spliced out;
    # the name's pieces have no letters to match; `{0}` and `%s` stay as written.
    assert result.text == "Hi {0}, order {{order_id}} %s is here."
    assert result.replaced == [("order_id", "{order_id}")]
    assert result.personal == []
    # A value is a literal, not a pattern: "A.1042" does not match "AB1042".
    assert to_snippet("order AB1042", {"order_id": "A.1042"}).replaced == [("order_id", "AB1042")]
    assert to_snippet("see AB1042", {"order_id": "A.1042"}).text == "see AB1042"


def test_longer_context_values_win_over_their_parts():
    result = to_snippet("Sara Karimi and Sara", {"name": "Sara Karimi"})
    assert result.text == "{{customer_name}} and {{customer_name}}"
    assert [original for _, original in result.replaced] == ["Sara Karimi", "Sara"]


def test_an_empty_text_and_no_customer():
    assert to_snippet("", None) == Slotified("", [], [])
    assert to_snippet("   ", {}) == Slotified("   ", [], [])


def test_a_long_reply_is_slotified_quickly():
    import time

    text = ("Sara, order A-1042: 2,500,000 تومان در ۴۸ ساعت. سارا جان ممنون. " * 400)[:20_000]
    started = time.perf_counter()
    result = to_snippet(text, {"name": "Sara", "order_id": "A-1042"})
    assert time.perf_counter() - started < 2
    assert "A-1042" not in result.text and result.ok
