"""Word classes the checks share: function words, generic filler, a crude stemmer.

A word the agent adds counts as their own (a "personal word") only if it says something:
"we are checking it" in place of "[[what the courier scans show]]" is filler, and the
draft is still the template. The lists are of normalised forms (see aligned.py).
"""

from __future__ import annotations

import re

FUNCTION = frozenset(
    """
    a an the and or but nor so yet to of in on at for with from by about as into onto over
    under up down out off than then there here this that these those it its it's is are was
    were be been being am i me my mine we us our ours you your yours he him his she her they
    them their theirs have has had having do does did doing will would can could should shall
    may might must not no yes if when where what which who whom whose how why all any some
    each every both either neither more most much many very just also too only even still
    again already now soon s t ll ve re m d don didn doesn isn aren wasn weren won wouldn
    couldn shouldn can't won't i'm i've i'll we're we've we'll you're you've you'll it'll
    let let's lets get got go going gone make made one ones own same such other another
    hi hello hey dear thanks thank please ok okay sure well oh mr mrs ms sir madam team
    و در به از که این آن اون این را رو با برای تا هم یا اما ولی است هست بود بوده شد شده
    میشه میشود شود بشه باشد باشه باشید هستم هستیم هستید هستین هستند ما من شما او ایشان آنها
    انها اونها یک یه هر چه چی نیز خیلی لطفا ممنون ممنونم سلام عزیز عزیزم جان بله نه اگر
    اگه پس الان حالا فقط دیگر دیگه همه همین همان هیچ چون روی بر زیر اینکه آنکه چند
    کنید کنیم کنم کند کرد کردم کردیم کردید میکنم میکنیم میکنید میکند میکنه دارم داریم
    دارید دارند داره خواهد خواهیم خواهم بفرمایید بنده تون تان تو خود خودم خودتان خودتون
    salam merci mamnoon lotfan aziz jan ke va ba az be dar ham ya vali hast nist man shoma ma
    """.split()
)
FILLER = frozenset(
    """
    check checking checked look looking looked into review reviewing reviewed soon shortly
    asap possible process processing processed progress pending update updates updated
    case issue issues request requests matter patience patient wait waiting inconvenience
    understand understanding help helping assist assistance moment investigating
    investigation status regarding info information detail details things thing ticket
    system department relevant colleagues colleague working work handled handling happy
    glad appreciate appreciated contact contacting reaching reach out back kind kindly
    regards best wishes day time currently being sorted asap right away quickly fast
    بررسی پیگیری درحال حال انجام سریعتر زودتر سریع ممکن امکان درخواست مورد موضوع مشکل
    وضعیت اطلاع همکاران همکارانم همکارمون واحد مربوطه اقدام لازم صبر صبور صبوری شکیبایی
    منتظر ارجاع ثبت رسیدگی نتیجه جریان هستش شدهاست میباشد بزودی بهزودی زود وقت
    روز بخیر ممنونیم سپاس سپاسگزارم متشکرم تشکر صبرتون صبرتان کمک همراهی درک
    """.split()
)


# Words every support conversation has: sharing one says nothing of this customer.
GENERIC = frozenset(
    """
    problem problems issue issues request requests again thing things something anything
    help question questions account customer service support company app website order
    orders money time times today please really know want need said tell told say
    مشکل مشکلی مشکلم مشکلتون مشکلتان درخواست درخواستم درخواستتون سوال سوالی سوالم دوباره باز
    چیز چیزی پشتیبانی شرکت سایت
    وقت امروز الان دیگه میخوام میخواستم بگید بگین گفتید گفتین
    moshkel darkhast soal dobare pool hesab vaghan vaghean khodam
    درست واقعا واقعاً خیلی لطفا ممنون check checking checked update updates status team
    contact contacting review processing processed pending look looking sure happy glad
    hour hours day days week weeks month months minute minutes year years
    ساعت روز هفته ماه دقیقه سال پیام پیامی آپدیت اپدیت سفارش sefaresh
    """.split()
)


def is_filler(word: str) -> bool:
    return word in FUNCTION or word in FILLER or len(word) < 2


_FA_PREFIX = re.compile(r"^(?:نمی|می|ن(?=می))")
_FA_SUFFIX = re.compile(
    r"(?:هایشان|هایتان|هایمان|هاشون|هاتون|هامون|هایی|های|ها|تون|تان|شون|شان|مون|مان|ام|ات|اش|ای"
    r"|یم|ید|ین|ند|م|ت|ش|ی|ه|و)$"
)
_EN_SUFFIX = re.compile(r"(?:ing|ed|es|s|ly)$")


def stem(word: str) -> str:
    """A crude stem for matching a customer's words in a draft: «سفارشم», «سفارشتون»
    and «سفارش» meet; so do "deliver", "delivered" and "delivery" (by prefix, below)."""
    if word.isascii():
        return _EN_SUFFIX.sub("", word) if len(word) > 4 else word
    word = _FA_PREFIX.sub("", word)
    for _ in range(2):
        shorter = _FA_SUFFIX.sub("", word)
        if len(shorter) < 3:
            break
        word = shorter
    return word


def same_stem(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long_.startswith(short)


# Persian letters and Finglish spellings to one consonant alphabet; vowels (and the
# letters that write them: ا و ی) are dropped, so «چمدون», «چمدان» and "chamedoon" meet.
_FA_CONSONANT = str.maketrans(
    {
        "ب": "b",
        "پ": "p",
        "ت": "t",
        "ط": "t",
        "ث": "s",
        "س": "s",
        "ص": "s",
        "ج": "j",
        "چ": "c",
        "ح": "h",
        "ه": "h",
        "خ": "x",
        "د": "d",
        "ذ": "z",
        "ز": "z",
        "ض": "z",
        "ظ": "z",
        "ژ": "j",
        "ر": "r",
        "ش": "$",
        "غ": "q",
        "ق": "q",
        "ف": "f",
        "ک": "k",
        "گ": "g",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ا": None,
        "آ": None,
        "و": None,
        "ی": None,
        "ع": None,
        "ء": None,
    }
)
_LATIN = (
    ("x", "ks"),
    ("sh", "$"),
    ("ch", "C"),
    ("kh", "X"),
    ("gh", "Q"),
    ("zh", "J"),
    ("c", "k"),
    ("q", "Q"),
    ("C", "c"),
    ("X", "x"),
    ("Q", "q"),
    ("J", "j"),
)
_LATIN_DROP = str.maketrans({c: None for c in "aeiouyvw'"})


def skeleton(word: str) -> str:
    """The word's consonants in one alphabet for either script («چمدون», «چمدان» and
    "chamedoon" are all "cmdn"); a final silent «ه» is dropped."""
    if word.isascii():
        word = "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1])
        for latin, mark in _LATIN:
            word = word.replace(latin, mark)
        return word.translate(_LATIN_DROP)
    word = _FA_PREFIX.sub("", word)
    word = word[:-1] if word.endswith("ه") and len(word) > 2 else word
    return word.translate(_FA_CONSONANT)


def same_skeleton(a: str, b: str) -> bool:
    """Same consonants, or one with at most two more at the end (a suffix: «چمدونم»)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 2
