"""The trust measurements themselves (hash embedder, fixture playbooks)."""

from __future__ import annotations

import json

from assist.eval import trust


def test_mood_scores_give_precision_recall_per_mood():
    pairs = [("angry", "angry"), ("angry", "calm"), ("calm", "calm"), ("calm", "angry")]
    report = trust.mood_scores(pairs)
    assert report["angry"] == {"precision": 0.5, "recall": 0.5}
    assert report["frustrated"] == {"precision": 0.0, "recall": 0.0}
    assert report["accuracy"] == 0.5 and report["n"] == 4


def test_conversations_score_first_contacts_and_follow_ups_apart(suggester):
    conversation = {
        "id": "c1",
        "lang": "en",
        "turns": [
            {"role": "customer", "text": "my order is late", "entry": "order-late",
             "reply": "check-tracking"},
            {"role": "agent", "text": "checking", "sent": "order-late/check-tracking"},
            {"role": "customer", "text": "how do I reset my password",
             "entry": "password-reset", "reply": "send-link"},
        ],
    }  # fmt: skip
    report = trust.evaluate_conversations(suggester, [conversation])
    assert report["groups"]["first"] == {"n": 1, "entry_hit@1": 1.0, "reply_hit@1": 1.0}
    assert report["groups"]["follow_up"]["n"] == 1
    assert report["groups"]["follow_up"]["entry_hit@1"] == 1.0


def test_refusals_and_catch_all_entries(suggester):
    texts = ["my order is late"] * 4 + ["how do I reset my password"]
    shares = trust.catch_all(suggester, texts, factor=1.5)  # 3 entries: the bar is 0.5
    assert shares["n"] == 5 and shares["matches"]["confident"] == 1.0
    assert shares["catch_all"] == {"order-late": 0.8}
    assert shares["top_shares"] == {"order-late": 0.8, "password-reset": 0.2}
    rows = trust.refusals(suggester, [("my order is late", "en")])
    assert rows["all"] == {"n": 1, "refused": 0.0, "weak": 0.0}


def test_parsinlu_reviews_take_the_overall_score_by_text(tmp_path):
    folder = tmp_path / "parsinlu-sentiment-food"
    folder.mkdir()
    rows = [{"review": "خیلی بد بود", "sentiment": "-2"}, {"review": "عالی", "sentiment": "2"}]
    (folder / "food.jsonl").write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    aspects = [{"review": "خیلی بد بود", "aspect": "طعم"}, {"review": "خیلی بد بود"}]
    (folder / "food_dev.jsonl").write_text("\n".join(json.dumps(r) for r in aspects), "utf-8")
    assert trust.parsinlu_reviews(tmp_path, "dev") == [("خیلی بد بود", -2)]


def test_real_tweets_drop_handles_and_placeholders(tmp_path):
    twacs = tmp_path / "twacs-airlines"
    twacs.mkdir()
    (twacs / "airlines_labeled_491.csv").write_text(
        "first_tweet_id,tag,source,first_utterance,context\n"
        '1,X,s,"<cust__ __company__ my bag is lost __cust>",ctx\n',
        "utf-8",
    )
    assert trust.real_tweets(tmp_path) == ["my bag is lost"]
