"""What each finding says to the agent and what to do about it, in the draft's language.

Short, concrete, never scolding: the check informs; the agent decides (seeds 000, 004).
"""

from __future__ import annotations

from typing import Any

_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "verbatim": {
        "en": (
            "This is the template word for word ({recital:.0%} template text).",
            "Add what only you know: what you checked, their situation, their words.",
        ),
        "fa": (
            "این متن عیناً همان قالب است ({recital:.0%} متن قالب).",
            "چیزی اضافه کنید که فقط شما می‌دانید: چه بررسی کردید، وضعیت خودِ مشتری، حرف خودش.",
        ),
    },
    "unfilled_slot": {
        "en": (
            "A slot is still unfilled: {slot}",
            "Replace it with the real detail, or remove it.",
        ),
        "fa": ("یک جای خالی پر نشده: {slot}", "جزئیات واقعی را جایش بنویسید یا حذفش کنید."),
    },
    "repeated": {
        "en": (
            "You already sent this sentence in this conversation.",
            "Say what is new since then; repeating reads like a recorded message.",
        ),
        "fa": (
            "این جمله را قبلاً در همین گفتگو فرستاده‌اید.",
            "بگویید از آن موقع چه چیز تازه‌ای هست؛ تکرار مثل پیام ضبط‌شده است.",
        ),
    },
    "over_promise_time": {
        "en": (
            "“{promised}” is more than this situation allows (at most {limit} hours).",
            "Promise only what you control, e.g. your next update, not the outcome's date.",
        ),
        "fa": (
            "«{promised}» بیش از حد مجاز این موقعیت است (حداکثر {limit} ساعت).",
            "فقط چیزی را قول بدهید که دست خودتان است، مثلاً زمان خبر بعدی، نه تاریخ نتیجه.",
        ),
    },
    "over_promise_guarantee": {
        "en": (
            "An absolute guarantee: “{phrase}”.",
            "Say what you will do and by when, not what you can't be sure of.",
        ),
        "fa": (
            "تضمین قطعی: «{phrase}».",
            "بگویید چه کاری و تا کی انجام می‌دهید، نه چیزی که از آن مطمئن نیستید.",
        ),
    },
    "bare_refusal": {
        "en": (
            "A refusal with no reason and no alternative.",
            "Say why (the rule or limit) and what you can do instead, or what you'll still try.",
        ),
        "fa": (
            "پاسخ منفی بدون دلیل و بدون راه جایگزین.",
            "دلیل (قانون یا محدودیت) را بگویید و اینکه به جایش چه کاری می‌توانید بکنید.",
        ),
    },
    "blames_customer": {
        "en": (
            "This puts the blame on the customer.",
            "Leave out who was wrong; say what happens next.",
        ),
        "fa": (
            "این جمله تقصیر را گردن مشتری می‌اندازد.",
            "از مقصر گفتن بگذرید؛ بگویید قدم بعدی چیست.",
        ),
    },
    "no_name": {
        "en": ("The customer's name ({name}) isn't used.", "Address them by name."),
        "fa": ("نام مشتری ({name}) در پاسخ نیامده.", "مشتری را با نامش خطاب کنید."),
    },
    "no_apology": {
        "en": (
            "The customer is upset and there is no apology.",
            "Apologise sincerely: you speak for the company.",
        ),
        "fa": (
            "مشتری ناراحت است و عذرخواهی در پاسخ نیست.",
            "صادقانه عذرخواهی کنید؛ شما نماینده شرکت هستید.",
        ),
    },
    "no_reflection": {
        "en": (
            "Nothing of their problem or feeling is said back.",
            "Reflect what you heard: the problem and why it upsets them.",
        ),
        "fa": (
            "چیزی از مشکل یا حال مشتری بازگو نشده.",
            "آنچه شنیدید را بازگو کنید: مشکل و اینکه چرا ناراحتش کرده.",
        ),
    },
    "no_ownership": {
        "en": (
            "Nobody takes the case on.",
            "Take it personally: “I'll handle this myself and update you.”",
        ),
        "fa": (
            "کسی مسئولیت پیگیری را به عهده نگرفته.",
            "خودتان مسئولیت را بپذیرید: «خودم پیگیری می‌کنم و خبرتان می‌دهم.»",
        ),
    },
    "follow_up": {
        "en": (
            "You promise to come back (in about {hours} h, by {channel}).",
            "Create the follow-up so it really happens; confirm the channel with them.",
        ),
        "fa": (
            "قول داده‌اید دوباره خبر بدهید (حدود {hours} ساعت دیگر، از راه {channel}).",
            "پیگیری را ثبت کنید تا واقعاً انجام شود؛ راه ارتباط را با مشتری هماهنگ کنید.",
        ),
    },
}
_CHANNELS_FA = {"email": "ایمیل", "phone": "تماس تلفنی", "sms": "پیامک", "chat": "همین گفتگو"}


def message_and_hint(key: str, lang: str, **values: Any) -> tuple[str, str]:
    """(message, hint) for finding `key` in `lang` (fa or en; anything else: en)."""
    texts = _TEXT[key]["fa" if lang == "fa" else "en"]
    if lang == "fa" and "channel" in values:
        values["channel"] = _CHANNELS_FA.get(values["channel"], values["channel"])
    return texts[0].format(**values), texts[1].format(**values)
