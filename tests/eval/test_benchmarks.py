"""The dataset loaders follow the leakage-free recipes, on tiny files in each format."""

import csv
import json

import pytest

from assist.eval.benchmarks import LOADERS, DatasetMissing, load

CSV_HEAD = [
    "context",
    "role",
    "instruction",
    "intent",
    "entity_type",
    "entity_value",
    "start_offset",
    "end_offset",
    "category",
    "tags",
    "response",
]


def write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


@pytest.fixture
def data(tmp_path):
    bitext = tmp_path / "bitext-customer-support"

    def row(text, intent, response):
        return ["customer support", "va", text, intent, "", "", "", "", "X", "B", response]

    write_csv(
        bitext / "bitext_cs_v2_4514_placeholder_responses.csv",
        CSV_HEAD,
        [
            row("cancel order 123", "cancel_order", "To cancel {{Order Number}}, go to orders."),
            row("i want a refund", "get_refund", "I can help with your refund."),
            row("how do refunds work", "get_refund", "Refunds take a few days."),
        ],
    )
    write_csv(
        bitext / "bitext_cs_v1_6480_canned_responses.csv",
        CSV_HEAD,
        [
            row("cancel order 98765", "cancel_order", "Canned: cancel in your account."),  # dup
            row("please cancel my purchase", "cancel_order", "Canned: cancel in your account."),
            row("where is my money back", "get_refund", "Canned: refunds take 5 days."),
        ],
    )
    write_csv(
        tmp_path / "banking77" / "train.csv",
        ["text", "category"],
        [
            ["my card has not arrived", "card_arrival"],
            ["card still not here", "card_arrival"],
            ["what is the exchange rate", "exchange_rate"],
            ["fx rate today?", "exchange_rate"],
        ],
    )
    write_csv(
        tmp_path / "banking77" / "test.csv",
        ["text", "category"],
        [
            ["My card has  not arrived", "card_arrival"],  # duplicate of a train row
            ["when will my card come", "card_arrival"],
            ["rate for euros", "exchange_rate"],
        ],
    )
    clinc = {
        "train": [
            ["set an alarm", "alarm"],
            ["wake me at 7", "alarm"],
            ["what's the weather", "weather"],
        ],
        "val": [["alarm at 6 please", "alarm"]],
        "oos_val": [["sing me a song", "oos"]],
        "test": [["rain today?", "weather"]],
        "oos_test": [["who won the game", "oos"]],
    }
    (tmp_path / "clinc150").mkdir()
    (tmp_path / "clinc150" / "data_full.json").write_text(json.dumps(clinc))
    qqp = tmp_path / "parsinlu-qqp"
    write_jsonl(
        qqp / "train.jsonl", [{"q1": "الف؟", "q2": "ب؟", "label": "0", "category": "natural"}]
    )
    write_jsonl(qqp / "dev.jsonl", [{"q1": "ج؟", "q2": "د؟", "label": "1", "category": "qqp"}])
    write_jsonl(
        qqp / "test.jsonl",
        [
            {
                "q1": "هوا چطور است؟",
                "q2": "وضع هوا چگونه است؟",
                "label": "1",
                "category": "natural",
            },
            {"q1": "هوا چطور است؟", "q2": "هوا سرد است؟", "label": "0", "category": "natural"},
            {"q1": "یکسان", "q2": "یکسان", "label": "1", "category": "natural"},
            {"q1": "ترجمه؟", "q2": "برگردان؟", "label": "1", "category": "qqp"},
        ],
    )
    massive = tmp_path / "massive-fa-sample"
    base = [
        ("0", "train", "alarm_set", "wake me up at five", "ساعت پنج بیدارم کن"),
        ("1", "test", "alarm_set", "alarm at six", "ساعت شش بیدارم کن"),
        ("2", "dev", "weather_query", "is it cold", "هوا سرده؟"),
        ("3", "train", "weather_query", "weather today", "هوای امروز"),
    ]
    write_jsonl(
        massive / "fa-IR.sample500.jsonl",
        [
            {"id": i, "locale": "fa-IR", "partition": p, "intent": n, "utt": fa}
            for i, p, n, _, fa in base
        ],
    )
    write_jsonl(
        massive / "en-US.sample500.jsonl",
        [
            {"id": i, "locale": "en-US", "partition": p, "intent": n, "utt": en}
            for i, p, n, en, _ in base
        ],
    )
    tweets = [
        [
            str(n),
            "UNK",
            f"<cust__ __company__ my bag number {n} is lost __cust>",
            f"<rep__ __cust__ sorry about bag {n} __rep> <cust__ thanks __cust>",
        ]
        for n in range(40)
    ]
    tweets.append(["999", "UNK", "<cust__ no reply here __cust>", ""])
    write_csv(
        tmp_path / "twacs-airlines" / "airlines_raw.sample10k.csv",
        ["first_tweet_id", "tag", "first_utterance", "context"],
        tweets,
    )
    return tmp_path


def test_bitext_queries_exclude_digit_normalised_duplicates_of_v2(data):
    bench = load("bitext-b", data)
    texts = [q.text for q in bench.queries]
    assert "cancel order 98765" not in texts  # same as v2's "cancel order 123" up to digits
    assert texts == ["please cancel my purchase", "where is my money back"]
    assert [len(e.examples.en) for e in bench.entries] == [1, 1]  # one canned reply per intent
    a = load("bitext-a", data)
    assert sorted(len(e.examples.en) for e in a.entries) == [1, 2]  # v2 replies as units
    c = load("bitext-c", data)
    assert {e.id: e.examples.en for e in c.entries}["get-refund"] == [
        "i want a refund",
        "how do refunds work",
    ]


def test_bitext_dev_holds_out_part_of_v2_only(data):
    dev = load("bitext-c", data, "dev")
    index_texts = {t for e in dev.entries for t in e.examples.en}
    assert not index_texts & {q.text for q in dev.queries}


def test_banking77_drops_test_rows_that_repeat_train(data):
    bench = load("banking77", data)
    assert [q.text for q in bench.queries] == ["when will my card come", "rate for euros"]
    assert {q.gold for q in bench.queries} == {
        frozenset({"card-arrival"}),
        frozenset({"exchange-rate"}),
    }


def test_clinc_out_of_scope_queries_expect_abstention(data):
    test, dev = load("clinc150", data), load("clinc150", data, "dev")
    assert test.abstention and [bool(q.gold) for q in test.queries] == [True, False]
    assert [q.text for q in dev.queries] == ["alarm at 6 please", "sing me a song"]


def test_qqp_pool_holds_every_question_and_excludes_the_query_itself(data):
    bench = load("qqp-natural", data)
    assert len(bench.entries) == 10  # all unique questions across splits
    (query,) = bench.queries  # "یکسان" pairs with itself only, so it cannot be a query
    assert query.text == "هوا چطور است؟"
    titles = {e.id: e.title.fa for e in bench.entries}
    assert [titles[g] for g in query.gold] == ["وضع هوا چگونه است؟"]
    assert bench.exclude_self[query.text] in titles
    assert [q.text for q in load("qqp-translated", data).queries] == ["ترجمه؟"]


def test_massive_cross_lingual_variants(data):
    fa = load("massive-fa", data)
    assert [q.text for q in fa.queries] == ["ساعت شش بیدارم کن", "هوا سرده؟"]
    en2fa = load("massive-en2fa", data)
    assert [q.text for q in en2fa.queries] == ["alarm at six", "is it cold"]
    assert en2fa.entries[0].examples.fa == ["ساعت پنج بیدارم کن"]
    fa2en = load("massive-fa2en", data)
    assert fa2en.entries[0].examples.en == ["wake me up at five"] and fa2en.lang == "fa"


def test_twacs_queries_find_their_own_dialogs_reply(data):
    test, dev = load("twacs", data), load("twacs", data, "dev")
    assert len(test.entries) == 40  # the dialog without a reply is skipped
    assert test.queries and dev.queries
    assert not {q.text for q in test.queries} & {q.text for q in dev.queries}
    query = test.queries[0]
    (gold,) = query.gold
    reply = {e.id: e.examples.en[0] for e in test.entries}[gold]
    assert "__" not in query.text and query.text.startswith("my bag number")
    assert reply.startswith("sorry about bag")


def test_missing_data_is_a_clear_error(tmp_path):
    for name in LOADERS:
        with pytest.raises(DatasetMissing, match="--data"):
            load(name, tmp_path)
    with pytest.raises(DatasetMissing, match="unknown benchmark"):
        load("nope", tmp_path)
