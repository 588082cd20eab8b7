import pytest

from assist.core.suggest import Query, Suggester, Turn
from assist.errors import InvalidMessage


def ask(suggester, message, **kw):
    return suggester.suggest(Query(message, **kw))


def test_english_message_gets_english_replies_with_slots(suggester):
    result = ask(
        suggester,
        "my order is late, where is the parcel?",
        customer={"name": "Sara"},
        conversation_id="c1",
    )
    assert not result.no_match
    assert result.signals.lang == "en"
    top = result.suggestions[0]
    assert top.entry_id == "order-late" and top.lang == "en" and not top.fallback_lang
    assert "Sara" in top.text and "{{customer_name}}" not in top.text
    kinds = {(s.kind, s.name) for s in top.slots}
    assert ("data", "order_id") in kinds
    assert any(s.kind == "human" for s in top.slots)
    for slot in top.slots:
        assert top.text[slot.start : slot.end].startswith(("{{", "[["))
    assert top.guidance == ("Check the tracking before answering",)
    assert top.why.kind in ("example", "title") and top.why.similarity > 0
    assert top.id == f"order-late/{top.reply_id}/en/{top.id.rsplit('/', 1)[1]}"
    assert result.index_version and result.took_ms > 0


def test_persian_message_gets_persian_replies(suggester):
    result = ask(suggester, "سفارشم هنوز نرسیده دیر شده", customer={"name": "سارا"})
    assert result.signals.lang == "fa"
    top = result.suggestions[0]
    assert top.entry_id == "order-late" and top.lang == "fa"
    assert top.text.startswith("سارا عزیز")
    assert top.guidance == ("قبل از پاسخ رهگیری را بررسی کنید",)


def test_missing_language_falls_back_and_says_so(suggester):
    result = ask(suggester, "رمز عبورم یادم رفته password reset link", k=1)
    top = result.suggestions[0]
    assert top.entry_id == "password-reset"
    assert top.lang == "en" and top.fallback_lang


def test_requested_language_wins(suggester):
    result = ask(suggester, "my order is late", lang="fa")
    assert result.suggestions[0].lang == "fa"


def test_k_limits_suggestions(suggester):
    assert len(ask(suggester, "my order is late", k=1).suggestions) == 1
    assert len(ask(suggester, "my order is late", k=3).suggestions) <= 3


def test_unrelated_message_is_no_match(suggester):
    result = ask(suggester, "xylophone quantum banana")
    assert result.no_match and result.suggestions == ()


def test_empty_message_is_a_clear_error(suggester):
    for message in ["", "   ", "\u200c\u200f"]:
        with pytest.raises(InvalidMessage, match="empty"):
            ask(suggester, message)


def test_overlong_message_is_truncated_and_flagged(suggester):
    result = ask(suggester, "my order is late " * 400)
    assert result.signals.truncated
    assert result.suggestions[0].entry_id == "order-late"


def test_sent_variant_is_never_suggested_again(suggester):
    first = ask(suggester, "my order is late", conversation_id="c9", k=1).suggestions[0]
    history = [Turn("customer", "my order is late"), Turn("agent", "…", first.id)]
    second = ask(
        suggester, "my order is still late", conversation_id="c9", k=1, history=history
    ).suggestions[0]
    assert second.id != first.id
    # the conversation moves on to the entry's next reply, not a reworded repeat
    assert second.reply_id != first.reply_id


def test_personalised_sent_text_is_recognised(suggester):
    first = ask(
        suggester, "my order is late", conversation_id="c10", k=1, customer={"name": "Sara"}
    ).suggestions[0]
    sent = first.text.replace("{{order_id}}", "A-77").replace("[[", "").replace("]]", "")
    history = [Turn("agent", sent + " Have a good day!")]
    again = ask(suggester, "still late", conversation_id="c10", k=3, history=history)
    assert first.id not in [s.id for s in again.suggestions]


def test_all_wordings_sent_drops_the_entry(suggester):
    index = suggester.index
    entry = index.entries["order-late"]
    history = [
        Turn("agent", "x", f"order-late/{r.id}/en/{v}")
        for r in entry.replies
        for v in range(len(r.en))
    ]
    result = ask(suggester, "my order is late", history=history, k=3)
    assert "order-late" not in [s.entry_id for s in result.suggestions]


def test_variants_rotate_across_conversations(suggester):
    ids = {
        ask(suggester, "my order is late", conversation_id=f"conv-{i}", k=1).suggestions[0].id
        for i in range(12)
    }
    assert len(ids) > 1


def test_same_conversation_gets_a_stable_suggestion(suggester):
    a = ask(suggester, "my order is late", conversation_id="same", k=1).suggestions[0].id
    b = ask(suggester, "my order is late", conversation_id="same", k=1).suggestions[0].id
    assert a == b


def test_several_questions_each_get_suggestions(suggester):
    result = ask(suggester, "My order is late, where is it? Also how do I reset my password?", k=1)
    assert len(result.signals.questions) == 2
    by_question = {s.question: s.entry_id for s in result.suggestions}
    assert by_question == {0: "order-late", 1: "password-reset"}


def test_angry_mood_is_signalled_and_boosts_matching_entries(suggester, settings, index, embedder):
    message = "you are useless, my order is late!!!"
    calm = Suggester(index, embedder, settings.model_copy(update={"mood_boost": 0.0}))
    boosted = ask(suggester, message)
    plain = calm.suggest(Query(message))
    assert boosted.signals.mood == "angry"
    angry_boosted = {s.entry_id: s.score for s in boosted.suggestions}["angry-customer"]
    angry_plain = {s.entry_id: s.score for s in plain.suggestions}["angry-customer"]
    assert angry_boosted == pytest.approx(angry_plain + settings.mood_boost, abs=1e-4)


def test_result_serialises_to_the_api_shape(suggester):
    data = ask(suggester, "my order is late").to_dict()
    assert set(data) == {
        "suggestions",
        "signals",
        "no_match",
        "match",
        "best_score",
        "outside_score",
        "index_version",
        "took_ms",
    }
    assert {
        "id",
        "entry_id",
        "reply_id",
        "source",
        "text",
        "slots",
        "guidance",
        "score",
        "why",
    } <= set(data["suggestions"][0])


def test_bm25_and_hybrid_retrieval_use_the_same_index(suggester, settings, index, embedder):
    words_only = Suggester(index, embedder, settings.model_copy(update={"retrieval": "bm25"}))
    hybrid = Suggester(
        index, embedder, settings.model_copy(update={"retrieval": "hybrid", "bm25_weight": 0.5})
    )
    for mode in (words_only, hybrid):
        top = mode.suggest(Query("reset link for my password")).suggestions[0]
        assert top.entry_id == "password-reset"
    dense = suggester.suggest(Query("reset link for my password")).suggestions
    mixed = hybrid.suggest(Query("reset link for my password")).suggestions
    assert mixed[0].score > dense[0].score  # the word match adds to the dense score


def test_hybrid_on_an_index_without_bm25_says_reindex(settings, index, embedder):
    import dataclasses

    from assist.errors import IndexMismatch

    old = dataclasses.replace(index, lexical=None)
    hybrid = Suggester(old, embedder, settings.model_copy(update={"retrieval": "hybrid"}))
    with pytest.raises(IndexMismatch, match="assist reindex"):
        hybrid.suggest(Query("my order is late"))


def test_to_dict_is_what_asdict_gives(suggester):
    """The hand-written to_dict (the request path's) against dataclasses.asdict, on
    answers with slots, guidance, follow-ups and several questions."""
    import dataclasses

    messages = [
        "My order A-1042 is a week late. Where is it?",
        "یک ساعته تتر خریدم هنوز به ولتم نرسیده",
        "I was charged twice. Also, how do I reset my password?",
        "what is the capital of Australia",
    ]
    for message in messages:
        result = ask(suggester, message, customer={"name": "Sara", "order_id": "A-1042"})
        plain = result.to_dict()
        assert plain == dataclasses.asdict(result)
        assert plain["signals"]["questions"] == result.signals.questions
    assert any(ask(suggester, m).suggestions for m in messages)
