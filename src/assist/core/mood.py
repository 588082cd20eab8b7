"""Detect the customer's mood (calm / frustrated / angry) in Persian and English.

A small classifier over the message's e5 vector (mood_model.py, trained on the bundled
exemplars) reads the tone; a few robust text cues add to it: insults as words (not in
«هیچ آشغالی نداشت» or "no rubbish at all"), threats, repeated contact, and shouting
("!!!", capitals of real words, not codes such as MKE-BUR) only next to negative content.
The cue names are what agents see as "why".

Seed 004: an angry customer needs the de-escalation playbook first; seed 001: "this is
my third call" is frustration the agent must acknowledge before anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .mood_model import MOODS, model_for
from .schemas import Mood
from .text import normalise

# Cues are matched on normalise()d text: lower case, ی/ک unified, ZWNJ removed.
_FA_SUFFIX = r"(?:ها|های|ی|یی|ای|ین|ید|یه|ه|ست|هست|ان|ا|انه|تر|ترین|م|ت|ش)*(?!\w)"
_INSULT = re.compile(
    r"\b(?:stupid|idiots?|useless|incompetent|pathetic|ridiculous|scam(?:s|mers?|med)?|"
    r"thie(?:f|ves)|liars?|lying|garbage|rubbish|joke|disgusting|disgrace(?:ful)?|shameful|"
    r"worst|wtf|crap(?:py)?|bs|clowns?|morons?|criminals?|crooks?|fraud|rip-?off|trash)\b"
    r"|(?<!\w)(?:احمق|مسخره|کلاهبردار|دزد|بیشعور|بی شعور|افتضاح|آشغال|اشغال|لعنتی|بیشرف|"
    r"بی شرف|بیعرضه|بی عرضه|شیاد|دروغگو|مزخرف|بدترین|چرت|بیمصرف|بی مصرف|بیادب|بی ادب|"
    r"دلقک|نفهم|عوضی|کثافت|حال ?به ?هم ?زن)"
    + _FA_SUFFIX
    + r"|\b(?:ahmagh|maskhare|kolahbardar|dozd|bisho'?u?ra?|eftezah|a?ashghal|mozakhraf|"
    r"bisharaf|badtarin|chert)\w{0,3}\b"
    r"|خجالت بکشید|گند زدید|khejalat bekeshid"
)
# A negation right before an insult ("no rubbish", «هیچ آشغالی», "bedoone") or a negated
# be/have right after it («آشغال نداشت», "wasn't bad") turns it into praise.
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:no|not|never|without|nothing|zero|hardly|hich|bedoone?)\b|n't|(?<!\w)(?:هیچ|بدون))"
    r"(?:\s+(?!but\b|than\b|more\b)[^\s,.;:!?]+){0,2}\s*$"
)
_NEGATED_AFTER = re.compile(
    r"^\w*\s*(?:\S+\s+)?(?:(?:نبود|نیست|نیس|نداشت|نداره|ندارد|نبوده|نشد)(?:م|ی|یم|ید|ن|ه)?|"
    r"nabood|nist|nadasht|nadare)(?!\w)"
)
_THREAT = re.compile(
    r"\b(lawyer|sue|suing|(?:see you in|go to|tak(?:e|ing) you to) court|report(?:ing)? you|police|"
    r"never again|close my account|cancel everything|switching to (?:another|a competitor)|"
    r"going to leave|consumer protection|chargeback|one-star|1-star|health department)\b"
    r"|شکایت|پلیس|دادگاه|وکیل|دیگه هیچوقت|دیگه سراغتون|حسابمو میبندم|آبروتونو|ابروتونو|"
    r"اعتراض رسمی|حمایت از مصرف کننده|تعزیرات|یک ستاره|"
    r"\b(?:shekayat|police|dadgah|vakil|dige hichvaght|abrootoono)\b"
)
# Repeated contact and long waits count 2 points each. Counting contacts ("the third
# time", «چند بار») needs a contact word: "the tenth time I buy here" is praise.
_REPEATED = re.compile(
    r"\b(keep (?:getting|asking|telling|sending|saying)|fed up|tired of|sick of|yet again|"
    r"(?:been|still|keep) waiting|waiting (?:for )?(?:days|weeks|ages)|again and again|"
    r"over and over|been on hold|on hold for|chasing|no (?:reply|response|answer|update)|"
    r"nobody (?:called|answered|replied|responded|helped|got back|cares))\b"
    r"|خسته شدم|کلافه|هیچ ?کس (?:جواب|زنگ|پاسخ|پیگیری|تماس)|هنوز (?:هیچ|خبری|جوابی)|"
    r"\b(?:kalafe|khaste shodam|hanooz (?:hich|khabari|javabi))\b"
)
_COUNTED = re.compile(
    r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)|umpteenth) time\b|"
    r"\bevery (?:single )?time\b|\bhow many times\b|"
    r"(?:بار|دفعه) ?(?:دوم|سوم|چهارم|پنجم|چندم)|(?:دومین|سومین|چهارمین|چندمین) ?(?:بار|دفعه)|"
    r"چند ?(?:بار|دفعه)|بارها|\b(?:dovomin|sevomin|chandomin) bar"
)
_CONTACT = re.compile(
    r"\b(?:writ|wrote|messag|call|ask|contact|email|explain|tell|told|chat|complain|repeat)\w*"
    r"|پیام|زنگ|تماس|پیگیری|ایمیل|تیکت|پرسیدم|میپرسم|مینویسم|نوشتم|میگم|بگم|گفتم|توضیح|"
    r"درخواست|\b(?:payam|zang|tamas|peygiri|email)\b"
)
# "Still" counts (1 point) only with a negation: «هنوز» alone, "still open?" do not.
_STILL_NOT = re.compile(
    r"\bstill (?:no|not|nothing|hasn't|haven't|isn't|doesn't|didn't|can't|won't)\b"
    r"|هنوز (?:\S+ )?(?:نرسیده|نیومده|نیامده|نشده|نداده|ندادن|ندادید|نکرده|نکردن|نکردید|"
    r"نزده|نزدن|برنگشته|واریز نشده)|\bhanooz (?:\w+ )?na\w+"
)
_PRAISE = re.compile(
    r"\b(?:thanks?|thank you|great|amazing|awesome|excellent|perfect|love|loved|delicious|"
    r"tasty|fantastic|wonderful|best|wow|happy|recommend|good|nice|satisfied|merci|mamnoon|"
    r"aali|khoshmaze|khoob)\b"
    r"|ممنون|مرسی|عالی|خوشمزه|بینظیر|معرکه|دستتون درد نکنه|دمتون گرم|(?<!\w)راضی|"
    r"پیشنهاد میکنم|دوست داشتم|فوق ?العاده|تشکر|سپاس|(?<!\w)خوب(?:ه|ی|یه)?(?!\w)"
)
_SHOUT = re.compile(r"[!?؟]{2,}")
_CAPS_WORD = re.compile(r"(?<![\w\-/.])[A-Z]{4,}(?![\w\-/.])")

# Logit bonuses the text cues add to the classifier (MOODS order: calm, frustrated,
# angry); tuned on the dev splits only.
INSULT, THREAT, SHOUTING, REPEATED, PRAISE = 2.0, 1.5, 1.0, 1.5, 0.5
# Without a classifier (no index yet): calm unless the cues say otherwise.
CALM_PRIOR = 1.0
# Added to the classifier's scores: a very negative review should read as upset (+0.5),
# and angry from the tone alone needs a clear margin (-0.6: angry precision).
TONE_BIAS = np.array([0.0, 0.5, -0.6])


@dataclass(frozen=True)
class MoodSignal:
    mood: Mood
    cues: tuple[str, ...]  # why, for the `why` of the answer and for tests


@dataclass(frozen=True)
class TextCues:
    insults: int  # insults as words, negated ones left out
    threat: bool
    repeated: int  # repeated contact / waiting, 0-3
    punctuation: bool  # "!!", "?!", "؟؟"
    caps: bool  # capitals of real words (not codes, not 2-3 letter acronyms)
    praise: bool

    @property
    def negative(self) -> bool:
        """Negative content beyond a lone "still not"."""
        return bool(self.insults or self.threat or self.repeated >= 2)


def _count(pattern: re.Pattern[str], norm: str) -> int:
    """Matches of `pattern` that no negation turns around."""
    found = 0
    for match in pattern.finditer(norm):
        before = norm[max(0, match.start() - 40) : match.start()]
        after = norm[match.end() : match.end() + 30]
        if not (_NEGATED_BEFORE.search(before) or _NEGATED_AFTER.search(after)):
            found += 1
    return found


def _all_caps(message: str) -> bool:
    """Two shouted words, or one long one that is most of an English message (a brand
    name in capitals inside Persian text is not shouting)."""
    words = _CAPS_WORD.findall(message)
    if len(words) >= 2:
        return True
    letters = [c for c in message if c.isascii() and c.isalpha()]
    shouted = sum(len(w) for w in words)
    persian = any("\u0600" <= c <= "\u06ff" for c in message)
    return not persian and shouted >= 6 and shouted >= 0.6 * len(letters)


def text_cues(message: str) -> TextCues:
    """What the wording alone says."""
    norm = normalise(message)
    repeated = 2 * len(_REPEATED.findall(norm)) + len(_STILL_NOT.findall(norm))
    if _COUNTED.search(norm) and _CONTACT.search(norm):
        repeated += 2
    return TextCues(
        insults=_count(_INSULT, norm),
        threat=bool(_THREAT.search(norm)),
        repeated=min(repeated, 3),
        punctuation=bool(_SHOUT.search(message)),
        caps=_all_caps(message),
        praise=_count(_PRAISE, norm) > 0,
    )


def detect_mood(
    message: str,
    vector: np.ndarray | None = None,
    exemplars: np.ndarray | None = None,
    labels: tuple[str, ...] = (),
) -> MoodSignal:
    """Mood from the message's embedding (`vector`, the one retrieval computed) and the
    index's exemplar vectors and labels, plus the text cues; cues alone without them."""
    cues = text_cues(message)
    model = None
    if vector is not None and exemplars is not None and len(exemplars):
        model = model_for(exemplars, labels)
    if model is not None and vector is not None:
        scores = model.logits(vector) + TONE_BIAS
    else:
        scores = np.array([CALM_PRIOR, 0.0, 0.0])
    sounds = MOODS[int(np.argmax(scores))]  # the tone alone
    why: list[str] = []
    if cues.insults:
        scores[2] += INSULT * min(cues.insults, 2)
        why.append("insult")
    if cues.threat:
        scores[2] += THREAT
        why.append("threat")
    if cues.repeated:
        scores[1] += REPEATED * cues.repeated
        why.append("repeated contact")
    # Shouting raises the temperature of negative content; in praise it is joy.
    upset = cues.negative or sounds != "calm"
    if (cues.punctuation or cues.caps) and upset and not (cues.praise and not cues.negative):
        scores[2] += SHOUTING
        why += ["shouting punctuation"] * cues.punctuation + ["all caps"] * cues.caps
    if cues.praise and not cues.negative and sounds != "angry":  # angry praise is sarcasm
        scores[0] += PRAISE
    mood = MOODS[int(np.argmax(scores))]
    if mood == "calm":
        return MoodSignal("calm", ())
    if sounds != "calm":
        why.append(f"sounds like {sounds} messages")
    return MoodSignal(mood, tuple(why))
