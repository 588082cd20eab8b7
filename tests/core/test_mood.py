import pytest

from assist.core.mood import detect_mood, text_cues


@pytest.mark.parametrize(
    "message",
    [
        "You people are useless, worst company ever!!!",
        "THIS IS A SCAM GIVE ME MY MONEY BACK",
        "کلاهبردارین، ازتون شکایت میکنم",
        "واقعا مسخره‌ست، بی‌عرضه‌ها",
    ],
)
def test_angry_messages(message):
    assert detect_mood(message).mood == "angry"


@pytest.mark.parametrize(
    "message",
    [
        "This is the third time I'm writing about this",
        "I've been waiting for days and still nothing",
        "چندمین باره که پیام میدم",
        "دیگه خسته شدم از بس پیگیری کردم",
    ],
)
def test_frustrated_messages(message):
    assert detect_mood(message).mood == "frustrated"


@pytest.mark.parametrize(
    "message", ["Hi, how do I change my address?", "سلام، فاکتور خریدم رو میخواستم", "thanks!"]
)
def test_calm_messages(message):
    assert detect_mood(message).mood == "calm"


def test_cues_explain_the_decision():
    anger, frustration, cues = text_cues("WHY IS THIS STILL BROKEN???")
    assert anger >= 2 and frustration >= 1
    assert {"all caps", "shouting punctuation", "repeated contact"} <= set(cues)
