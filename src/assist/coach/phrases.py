"""The phrases each check looks for, in English, Persian and Finglish.

All patterns run on `normalise()`d text: lower case, ی/ک unified, ZWNJ dropped (so
«می‌کنم» and «می کنم» are both «میکنم»), «أ» as «ا», «ئ» as «ی» («مسئول» is «مسیول»),
Persian digits as ASCII, «» as "". Curly and straight apostrophes are both allowed. Kept
in one module so a reviewer sees every word list at once; the rules that use them live in
tone.py and commitments.py.
"""

from __future__ import annotations

import re

A = "['’]"  # an apostrophe as typed on a phone or a keyboard
W = r"(?:\S+ )"  # one word and its space, for "up to n words between"


def _re(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


def _alt(words: str) -> str:
    """`a|b|c` from "a b c" (a phrase keeps its spaces when written with `_`)."""
    return "|".join(w.replace("_", " ") for w in words.split())


# --------------------------------------------------------------------- apology
APOLOGY = _re(
    r"\b(?:sorry|apologi[sz]\w*|apolog(?:y|ies)|my bad|(?:i|we) (?:deeply |truly )?regret"
    r"|forgive (?:me|us)|pardon (?:the|our|me)|that" + A + r"?s on us)\b",
    r"متاسف(?!انه)\w*|عذر ?خواه\w*|عذر ?میخوا\w*|پوزش\w*|ببخشید|ببخشین|ببخش(?:ی|ین)د?\b"
    r"|شرمند\w*|شرمسار\w*|خجالت ?زده\w*|معذرت\w*|حلال(?:مون|مان) کنید",
    r"\b(?:bebakhsh\w*|motasef(?!ane)\w*|ozr ?kh\w+|sharmand\w*|maz?erat\w*)\b",
)

# ------------------------------------------------------------------ ownership
_EN_ACT = _alt(
    "handle take own sort fix chase follow look check escalate get push keep stay see deal "
    "call contact raise investigate track monitor make_sure ensure find work resolve speak "
    "talk reach write update email message text arrange process refund book reissue cancel "
    "open file flag dig personally come_back let_you_know confirm review replace move credit "
    "transfer watch be_the_one be_in_touch ring"
)
_EN_DOING = _alt(
    "handling on_it on_this taking looking_into chasing following escalating checking "
    "working_on dealing raising investigating on_the_case keeping watching staying_on "
    "staying_with sticking_with following_it"
)
_EN_DONE = _alt(
    "escalated raised opened flagged logged contacted chased checked called emailed filed "
    "pushed started booked arranged cancelled canceled refunded reissued issued processed "
    "taken looked spoken found made set blocked frozen locked moved added credited re-sent "
    "resent fixed sorted released reversed"
)
_FA_ACT_NOUN = _alt(
    "پیگیر بررسی چک رسیدگی اقدام حل پیگیری دنبال\\w* هماهنگ درست جبران ثبت ارسال پیدا تماس "
    "صحبت ارجاع مطرح منتقل استرداد لغو تعویض رزرو صادر برطرف پیگیرش پیگیریش زنگ پیام ایمیل "
    "خبر\\w* اطلاع\\w* واریز برگشت پس escalate"
)
_FA_ACT_VERB = _alt(
    "میکنم میدم میدهم میگیرم میزنم میفرستم کردم دادم گرفتم زدم فرستادم خواهم_کرد خواهم_داد "
    "خواهم_گرفت هستم میمونم میمانم میشم میشوم"
)
OWNERSHIP = _re(
    rf"\bi(?:{A}ll| will| am going to|{A}m going to| shall)\s+(?:\w+ly\s+|now\s+|also\s+)?"
    rf"(?:{_EN_ACT})\b",
    rf"\bi{A}?m (?:\w+ly )?(?:now )?(?:{_EN_DOING})\b",
    rf"\bi(?:{A}ve| have) (?:\w+ly |just |now |already )?(?:{_EN_DONE})\b",
    rf"\b(?:leave (?:it|this) with me|you have my word|my responsibility|i take (?:full )?"
    rf"responsibility|i own (?:this|it)|let me (?:personally )?(?:handle|take|sort|fix|chase|"
    rf"check|look|escalate|follow|find|see|get|dig|make|call|contact)|(?:it|this|your case)"
    rf"{A}?s (?:with )?(?:me|mine)|(?:with|on) me until|consider (?:it|this)\b.{{0,20}}\bmine)\b",
    r"\b(?:personally|myself)\b",
    rf"خودم|شخصا\b|به عهده (?:میگیرم|گرفتم)|مسیولیت\w* (?:را |رو )?(?:میپذیرم|قبول میکنم|با من)"
    rf"|(?:{_FA_ACT_NOUN}) {W}?(?:را |رو )?(?:{_FA_ACT_VERB})\b"
    rf"|من (?:خودم )?پیگیر|پیگیرش هستم|پیگیر(?:ش)? میمونم|دست خودم|با من\b",
    r"\b(?:khodam|shakhsan|(?:peygiri|barresi|check|dorost|hal|sabt|ersal|tamas|zang|payam)"
    r" (?:\w+ )?(?:mikonam|midam|migiram|mizanam|mifrestam|kardam))\b",
)

# ----------------------------------------------------------------- reflection
FEELING = _re(
    rf"\b(?:understandabl[ey]|you{A}?re (?:right|absolutely right|not wrong) to|you have every "
    rf"right|no wonder|it makes sense (?:that )?you)\b",
    r"\b(?:frustrat\w*|upset\w*|worr(?:ied|ying|ies)|stress\w*|anger|angry|disappoint\w*|"
    r"annoy\w*|infuriat\w*|maddening|unacceptable|exhausting|awful|nightmare|not okay|not ok|"
    r"let down|hassle|horrible|miserable|scary|the last thing you need)\b",
    r"(?:حق (?:دارید|داری|دارین|با شماست))|(?<!نباشید )(?:ناراحت\w*|دلخور\w*|عصبانی\w*|"
    r"عصبانیت|کلافه\w*|ازار\w*|آزار\w*|اذیت\w*)|نگرانی\w*|نگرانید|نگرانین|نگران (?:شدید|هستید)"
    r"|سخت(?:ی)? (?:بوده|است|ه|گذشته)|میدونم چقدر|میدانم چقدر|استرس\w*|ناامید\w*|دلسرد\w*"
    r"|کلافگی|بی ?احترامی|انتظار کشید\w*|منتظر مونده?ید|منتظر ماندید|معطل\w*",
    r"\b(?:hagh darid|narahat\w*|kalafe\w*)\b",
)

# -------------------------------------------------------------------- blame
_EN_SHOULD_HAVE = _alt(
    "read checked contacted called done followed entered used paid booked told noticed known "
    "asked kept saved looked clicked selected double-checked verified updated reported come "
    "gone taken made cancelled canceled waited thought been_more_careful planned typed"
)
_FA_PAST_YOU = _alt(
    "میکردید میکردین میکردی میخوندید میخواندید میخوندین میزدید میزدین میدیدید میدیدین "
    "میپرسیدید میپرسیدین میگرفتید میگرفتین مینوشتید مینوشتین میدادید میدادین میشد"
)
BLAME = _re(
    rf"\byou (?:really )?(?:should|could)(?:n{A}?t| not)? have (?:{_EN_SHOULD_HAVE})\b",
    rf"\byou (?:did ?n{A}?t|did not|failed to|forgot to|neglected to|never bothered to) (?:read|"
    rf"check|follow|enter|provide|click|verify|update|notice|select|see|pay attention|inform|"
    rf"tell|contact|plan)\b",
    r"\byou must (?:have (?:entered|typed|made|used|clicked|selected|misread|missed|forgotten|"
    r"deleted|ignored|done|pressed|chosen|given)|be (?:typing|entering|doing|using|making|"
    r"clicking|reading|confusing|looking))\b",
    r"\b(?:as|like) (?:i|we) (?:already |previously |just |have |had )?(?:said|told you|"
    r"explained|mentioned|stated|wrote|informed you|pointed out)\b",
    r"\b(?:we|i)(?:'ve| have)? already told you|(?:i|we)(?:'ve| have) told you (?:before|"
    r"already|twice|several times)|you agreed to (?:the|our) terms|that was your (?:choice|"
    r"decision)|you (?:chose|selected|entered|typed) the wrong|you ignored|you missed the|"
    r"the (?:problem|issue) is (?:on|with) your (?:end|side|device|phone|internet|connection|"
    r"bank|browser)\b".replace("'", A),
    r"\bas (?:already |previously )?(?:stated|mentioned|explained) (?:before|earlier|above|"
    r"previously|several times|many times)\b",
    r"\bi (?:have )?already (?:told|explained|said|informed)\b",
    rf"\b(?:how many times (?:do|must|should|have) i|(?:it|that|this)(?:{A}?s| is) (?:entirely |"
    rf"all |completely )?(?:your (?:own )?(?:fault|mistake|responsibility|problem|error)|on you)"
    rf"|your (?:own )?(?:fault|mistake)|user error|not our (?:fault|problem|responsibility))\b",
    r"\b(?:if you had (?:read|checked|followed|bothered|paid attention)|did you (?:even |not )?"
    r"read|please read (?:the|our) (?:terms|instructions|faq|policy)|(?:it|this) (?:is )?"
    r"clearly (?:stated|states|says|written|mentioned)|you were (?:warned|supposed to)|you (?:need|"
    r"have) to (?:read|pay attention|be more careful)|be more careful|pay more attention|next "
    r"time,? (?:please )?(?:make sure|double.check|check|read|be careful|pay attention))\b",
    r"تقصیر (?:خودت\w*|خود شما|شما|خودتو\w*)|(?:اشتباه|خطا) (?:از )?(?:خودت\w*|شما|خود شما|سمت شما)"
    r"|مشکل از (?:سمت |طرف )?(?:شما|خودت\w*)|مسیولیت\w* (?:\S+ )?با (?:خودتون|خودتان|خود شما|شما)"
    rf"|هم(?:و|ا)نطور که {W}{{0,5}}?(?:گفتم|گفتیم|عرض کردم|عرض کردیم|توضیح دادم|توضیح دادیم|"
    r"گفته بودم|گفته بودیم|اشاره کردم|عرض شد|گفته شد|توضیح داده شد|اشاره شد|نوشتیم|نوشته شده)"
    r"|(?:قبلا|بارها|چند بار) (?:هم )?(?:بهتون |به شما )?(?:گفتم|گفته بودم|توضیح دادم|عرض کردم)"
    rf"|(?:باید|میبایست|میبایستی) (?!{W}{{0,3}}دریافت){W}{{0,8}}?(?:{_FA_PAST_YOU})\b"
    rf"|(?:اگه|اگر) {W}{{0,6}}?(?:دقت|با دقت|درست) {W}{{0,4}}?(?:{_FA_PAST_YOU})\b"
    rf"|دقت نکرد(?:ید|ین|ی)|(?:مگه|مگر) {W}?(?:نخوندید|نخوندین|نخواندید|ندیدید|ندیدین|نگفتم)"
    rf"|درست {W}{{0,2}}?(?:نکردید|نکردین|نزدید|نزدین|نخوندید|ندادید)\b"
    rf"|(?:حتما|لابد|احتمالا) {W}{{0,4}}?(?:نکردید|نکردین|نزدید|نخوندید|ندیدید|ندادید|زدید|کردید)\b"
    rf"|شما {W}{{0,3}}?(?:دیر|اشتباهی) {W}?\S+(?:ید|ین)\b"
    rf"|(?:دفعه|بار) ?(?:ی )?بعد {W}{{0,3}}?(?:بزنید|دقت|حواستون|چک کنید|مراقب|بخونید|کافیه)"
    rf"|چند (?:بار|دفعه) باید (?:بگم|توضیح بدم|تکرار کنم)"
    rf"|(?:خودتون|خودتان|خود شما) {W}?(?:اشتباه|مقصر|خراب|قبول کردید|تایید کردید|انتخاب کردید)"
    rf"|مقصر (?:خودتون|خودتان|شما)|نباید {W}{{0,6}}?(?:{_FA_PAST_YOU})\b"
    rf"|(?:بهتون|به شما) گفته (?:بودیم|بودم|شده بود)|مگه نگفتم|چند بار (?:گفتم|گفتیم)"
    rf"|مشکل از (?:گوشی|سیستم|اینترنت|کارت|حساب|دستگاه|مرورگر)\S* (?:شما|خودتون|خودتان)"
    rf"|حواس(?:تون|تان) {W}?(?:نبود|جمع نبود)|بی ?دقتی (?:شما|خودتون|خودتان)",
    r"\b(?:taghsire (?:khodet\w*|shoma)|hamoontor ke goftam|ghablan (?:ham )?goftam|"
    r"eshtebah az (?:shoma|khodet\w*)|khodetoon eshtebah\w*|bayad deghat\w*)\b",
)

# ------------------------------------------------------------------- refusal
_EN_DO = _alt(
    "do refund change cancel reverse return offer give accept process help make issue exchange "
    "approve provide allow replace extend waive modify move transfer send unlock reopen "
    "compensate reimburse honour honor grant switch upgrade downgrade book release retrieve "
    "recover remove delete get have use apply"
)
_EN_DONE_TO = _alt(
    "done changed refunded cancelled canceled reversed processed approved accepted returned "
    "exchanged issued modified granted extended recovered used applied redeemed removed "
    "deleted moved transferred"
)
REFUSAL = _re(
    rf"\b(?:(?:it|that|this)(?:{A}?s| is) (?:not |im)possible|(?:is|are|isn{A}?t|aren{A}?t) "
    rf"(?:not )?(?:possible|impossible)|not possible|impossible)\b",
    rf"\bcan(?:{A}?t|not| not) be (?:{_EN_DONE_TO})\b",
    rf"\b(?:we|i|you) (?:simply |just )?(?:can{A}?t|cannot|can not|are unable to|am unable to|"
    rf"won{A}?t|will not|are not able to|am not able to|do not|don{A}?t) (?:\w+ )?(?:{_EN_DO})\b",
    rf"\b(?:(?:there{A}?s|there is) nothing (?:more )?(?:we|i) can do|nothing (?:more )?"
    rf"(?:can|could) be done)\b",
    rf"\b(?:(?:is|are|isn{A}?t|aren{A}?t) not |not )(?:allowed|eligible|permitted)\b",
    r"\bno (?:refunds?|exchanges?|returns?|exceptions?|way)\b",
)
REFUSAL_FA = _re(
    r"امکان ?پذیر (?:نیست|نمیباشد|نخواهد بود)|امکانش (?:نیست|نیس|وجود نداره|وجود ندارد)"
    rf"|امکان {W}{{0,4}}(?:وجود ندارد|وجود نداره|نیست|نداره|ندارد|نداریم)|مقدور نیست|غیر ?ممکن"
    rf"|شدنی نیست|ممکن نیست|کاری {W}{{0,4}}(?:برنمیاد|برنمیآید|بر نمیاد|بر نمیآید|نمیشه کرد|"
    r"نمیتوان کرد)|قابل (?:برگشت|استرداد|تغییر|لغو|انجام|بازگشت|تعویض|جابجایی|انتقال) نیست"
    rf"|(?:اجازه|مجوز) {W}{{0,2}}(?:نداریم|نمیدهد|نمیده|نیست)|مجاز نیست|مجاز نیستیم"
    r"|(?<!\w)(?:نمیشه|نمیشود|نمیتونیم|نمیتوانیم|نمیتونم|نمیتوانم)(?!\w)",
    r"\b(?:emkan nadare|emkanpazir nist|nemishe|nemitoonim|nemitunim|gheyre momken)\b",
)
REASON = _re(
    r"\b(?:because|since|due to|as (?:the|our|it|this|that|per)|the reason|polic(?:y|ies)|"
    r"rules?|regulation\w*|laws?|legal\w*|security|safety|for your protection|terms|conditions|"
    r"non-?refundable|expired|past the|outside the|after the|limit\w*|requires?|required|"
    r"only (?:possible|allowed|for|with|on|in|if|when|after|before|works)|system|airline|bank|"
    r"courier|network|blockchain|regulator\w*|fraud|compliance|central bank|once (?:a|the|it)|"
    r"already (?:been )?(?:shipped|sent|processed|used|confirmed|dispatched|delivered)|"
    r"sold out|out of stock|so (?:we|i)|that{A}?s why|which is why|given that|according to|"
    r"per our|in line with|under (?:our|the)|final sale|non-?returnable|clearance|"
    r"isn{A}?t covered|not covered|doesn{A}?t cover|excluded|deadline|window|period|"
    r"has expired|ended|our records|verification|fare|ticket type|was used|been used|"
    r"opened|past|more than \d+|after \d+)\b".replace("{A}", A),
    r"چون|چرا ?که|به دلیل|بدلیل|به علت|بعلت|زیرا|به خاطر|بخاطر|طبق|بر اساس|براساس|قانون|قوانین"
    r"|مقررات|سیاست|امنیت|امنیتی|ضوابط|شرایط|ایین ?نامه|آیین ?نامه|دستورالعمل|الزام|مهلت|"
    r"غیر ?قابل استرداد|سیستم|بانک|پلیس|فتا|ایرلاین|هواپیمایی|از انجا که|از آنجا که|ازونجایی که"
    r"|اخه|آخه|دلیل\w*|علت\w*|چونکه|فقط (?:برای|در|با|روی|وقتی|اگر|تا)|از (?:طرف|سمت) (?!ما\b)"
    r"|مربوط به|تموم شده|تمام شده|موجود نیست|ناموجود|(?:ارسال|تحویل|صادر|پرداخت|پردازش) شده"
    r"|با توجه به|مطابق|قانونا|قانونی|قرارداد|منقضی|شامل (?:\S+ )?نمی|پوشش (?:\S+ )?نمی|سقف|"
    r"حداکثر|حداقل|گذشته|بیشتر از|بعد از|باز شده|استفاده شده|این نوع|نوع (?:بلیط|کارت|حساب)",
    r"\b(?:chon|chonke|be khatere|bekhatere|ghanoon\w*|ghavanin)\b",
)
ALTERNATIVE = _re(
    r"\b(?:instead|but (?:i|we) (?:can|could|will|'ll|do)|however|what (?:i|we) (?:can|could) "
    r"(?:do|offer)|(?:i|we) (?:can|could) (?:\w+ )?(?:offer|do|try|give|help|arrange|check|ask|"
    r"escalate|refund|send|process|book|suggest|set|put|move|change|get|reissue|transfer|"
    r"credit|rebook|look)|alternativ\w*|options?|another way|other way|in the meantime|"
    r"meanwhile|let me (?:see|check|try|ask|find|look|escalate|help)|i'll (?:try|ask|check|"
    r"see|escalate|look|find|speak|talk|raise|push|chase|help|keep|make|send|refund|arrange|"
    r"book|replace|reissue|fix|sort|process|move|credit|transfer)|would you like|if you "
    r"(?:like|prefer|want|wish)|you (?:can|could|may) (?:still|also|instead|contact|call|"
    r"try|ask|use|refuse|return|apply|request|book)|please contact|a (?:credit|voucher|partial|"
    r"replacement|discount)|what i can do|what we can do|happy to|glad to|next step|"
    r"here's what|you're welcome to|feel free to|i(?:'d| would) (?:suggest|recommend)|"
    r"i recommend|one option|the (?:best|fastest|quickest|only) way|you (?:could|might) "
    r"(?:try|want|also|still)|if you(?:'d| would) like|(?:i|we) can(?!'t| not|not))\b"
    r"".replace("'", A),
    r"به جای|بجای|در عوض|عوضش|\bمیتونم|\bمیتوانم|\bمیتونیم|\bمیتوانیم|\bمیتونید|\bمیتوانید|"
    r"پیشنهاد|گزینه|راه دیگر|راه دیگه|راه حل|جایگزین|در این فاصله|اگر بخواهید|اگه بخواید|"
    r"اگر مایل|اگه مایل|اگر تمایل|تلاش میکنم|میپرسم|اعتبار|تخفیف|کوپن|جبران|ارجاع|بجاش|به جاش"
    r"|میفرستم|ارسال میکنم|درست میکنم|حل میکنم|برطرف میکنم|پیگیری میکنم|بررسی میکنم"
    rf"|کاری که {W}?(?:میکنم|میتونم|میتوانم|از دستم|میشه کرد)|تماس بگیرید|مراجعه کنید"
    r"|بهتره|بهتر است|در صورت تمایل|اگه خواستید|اگر خواستید|راهش|تنها راه|امکانش هست"
    rf"|ولی {W}{{0,3}}(?:میشه|میتوان|امکانش هست|امکان پذیره)",
    r"\b(?:mitoon\w*|mitun\w*|pishnahad|be jash|bejash)\b",
)

# --------------------------------------------------------------- guarantees
GUARANTEE = _re(
    r"\b(?:guarantee[sd]?|guaranteeing|100 ?%|100 percent|(?:a )?hundred percent|"
    r"i (?:can )?promise|promise you|i assure you|i can assure you|rest assured)\b",
    rf"\b(?:will|won{A}t) (?:never|not) happen again|never happen again|won{A}t happen again\b",
    r"تضمین\w*|صد ?در ?صد|100 ?%|(?:بهتون |به شما |بهت )?قول (?:میدم|میدهم|میدیم|میدهیم)"
    r"|بهتون قول|به شما قول|قول شرف|دیگه تکرار نمیشه|دیگر تکرار نخواهد شد|دیگه تکرار نخواهد شد"
    r"|خیال(?:تون|تان) راحت باشه",
    r"\b(?:tazmin\w*|ghol midam|gol midam|sad dar sad)\b",
)
NOT_A_GUARANTEE_BEFORE = re.compile(
    rf"(?:\b(?:can{A}?t|cannot|can not|not|no|unable to|won{A}?t|don{A}?t|without|never)\b"
    rf"(?:\s+\S+){{0,2}}\s*$)|(?:نمیتون\w*|نمیتوان\w*|هیچ|بدون)(?:\s+\S+){{0,2}}\s*$"
    r"|\b(?:refund(?:ed)?|refunding|back|return(?:ed)?|credit(?:ed)?)\s*$"
)
NOT_A_GUARANTEE_AFTER = re.compile(
    r"^\s*(?:\S+\s+){0,2}?(?:نمیکنم|نمیکنیم|نمیدم|نمیدهم|نیست|ندارد|نداره|نمیتونم|نمیتوانم|"
    r"نمیشه|نمیدیم|بدم نمیتونم)\b|^\s*(?:of\b|refund|cash ?back|back\b|off\b)"
)

# ---------------------------------------------------------------- follow-up
_EN_COME_BACK = _alt(
    "get_back come_back write update let_you_know keep_you be_in_touch reach_out "
    "contact_you call_you ring_you email_you e-mail_you message_you text_you check_in "
    "follow_up report_back circle_back confirm tell_you notify_you inform_you drop_you be_back "
    "give_you_a_call give_you_an_update get_in_touch answer reply respond"
)
COME_BACK = _re(
    rf"\b(?:i(?:{A}ll| will| am going to|{A}m going to)|we(?:{A}ll| will)) (?:\w+ly )?(?:also )?"
    rf"(?:{_EN_COME_BACK})\b",
    r"\b(?:i|we)(?:'ll| will) (?:\w+ )?send you (?:the|their|an?|my|our)? ?(?:\w+ )?(?:tracking|"
    r"answer|result|outcome|update|news|status|details|confirmation|reference|reply|code|link|"
    r"number|decision)\b".replace("'", A),
    rf"\bi(?:{A}ll| will) [^.!?;]{{0,60}}?\band (?:then )?(?:message|email|call|text|ring|"
    rf"write to|tell|update|let you know|get back to|confirm|notify)\b",
    rf"\byou(?:{A}ll| will) (?:hear|get an update|get a call|get an email|get a message)"
    r"(?: back)? from (?:me|us)\b",
    r"\b(?:expect (?:an update|a call|my (?:call|update|message|email)|an email|a message) from "
    r"me|(?:would you like|do you want|should i|how would you like) (?:me )?to (?:tell|update|"
    r"call|email|text|message|contact|let you know|reach)|how (?:should|shall) i (?:tell|update|"
    r"contact|reach|let) you)\b",
    rf"خبر(?:ت|تون|تان|شو|ش)? (?:رو |را )?{W}?(?:میکنم|میدم|میدهم|خواهم داد|خواهم کرد|میکنیم|"
    r"میدیم|میدهیم)|خبرتون|خبرتان|اطلاع(?:تون|تان)? (?:رسانی )?(?:میدم|میدهم|میدیم|میدهیم|"
    rf"خواهم داد|میکنم)|در جریان(?:تون|تان)? {W}?(?:میذارم|میگذارم|قرار میدم|قرار میدهم|"
    rf"خواهم گذاشت)|(?:باهاتون|با شما|بهتون|به شما|بهت|باهات) {W}?(?:تماس|زنگ|پیام|پیامک|ایمیل)"
    r" ?(?:میگیرم|خواهم گرفت|میگیریم|میزنم|میزنیم|میدم|میدهم|میکنم|میفرستم)"
    r"|(?:تماس|زنگ|پیام|پیامک|ایمیل) (?:میگیرم|میزنم|میدم|میدهم|میکنم|میفرستم)"
    rf"|(?:براتون|برات|برایتان|برای شما|بهتون|بهت|به شما) {W}{{0,3}}?(?:پیامک|ایمیل) ?(?:میکنم|"
    rf"میزنم|میفرستم)\b|(?:براتون|برات|برایتان|برای شما|بهتون|بهت|به شما) {W}{{0,2}}?(?:میگم|"
    r"میگویم)\b|(?:کد|لینک|نتیجه|جواب|خبر|اطلاعات|شماره|رسید|فاکتور|پاسخ)(?:ش|شو|ها|رو|تون)?"
    r"(?!\w)(?: [^\s.!?]+){0,5}? (?:میفرستم|ارسال میکنم)\b|از من میشنوید|از من خبر"
    rf"|نتیجه(?:ش|اش)? (?:رو |را )?"
    rf"{W}{{0,3}}(?:میگم|میگویم|اعلام میکنم|اطلاع میدم|اطلاع میدهم)|برمیگردم|بر میگردم"
    r"|مجددا (?:تماس|پیام)|دوباره (?:تماس میگیرم|پیام میدم|خبر میدم)",
    r"\b(?:khabaret(?:oo|u)n mikonam|khabar midam|ettela midam|zang mizanam|tamas migiram|"
    r"payam midam|behetoon migam)\b",
)
CHANNELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b(?:e-?mail\w*|inbox)\b|ایمیل")),
    ("sms", re.compile(r"\b(?:sms|text(?: message)?|texting)\b|پیامک|اس ?ام ?اس")),
    ("phone", re.compile(r"\b(?:call|ring|phone|telephone)\w*\b|تماس|زنگ|تلفن")),
    ("chat", re.compile(r"\b(?:chat|here|this conversation|message)\w*\b|همین ?جا|چت|پیام(?!ک)")),
)

# -------------------------------------------------------------- time spans
# A time span that is about the past or a duration already suffered, not a promise.
PAST_BEFORE = re.compile(
    rf"(?:\b(?:waited|waiting|been|for the (?:last|past)|over the (?:last|past)|since|already|"
    rf"it{A}?s been|its been)\b|منتظر|گذشته)(?:\s+\S+){{0,2}}\s*$"
)
PAST_AFTER = re.compile(
    r"^\s*(?:\S+\s+)?(?:ago|late|overdue|behind|old|of waiting|waiting|delay\w*|now|already|"
    r"پیش|قبل|گذشته|دیر|تاخیر|است که|ه که|هست که|منتظر|معطل)"
)
# The customer's own deadline ("you can return it within 30 days"), not ours.
CUSTOMER_DEADLINE = re.compile(
    rf"\b(?:you (?:can|could|may|need to|must|should|are able to|have (?:\w+ ){{0,2}}?to|have "
    rf"until)|you(?:{A}ll| will) need to)\b[^.!?;]*$"
    r"|(?:میتونید|میتوانید|میتونین|فرصت دارید|مهلت دارید)[^.!?]*$"
)
MONTHS = re.compile(
    r"(?<![\w.])(?P<num>\d+|a|an|one|two|three|six|twelve|یک|یه|دو|سه|شش)\s*"
    r"(?P<unit>months?|ماه)(?![a-z\u0600-\u06ff])"
)
MONTH_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "six": 6,
    "twelve": 12,
    "یک": 1,
    "یه": 1,
    "دو": 2,
    "سه": 3,
    "شش": 6,
}
