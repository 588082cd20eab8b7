"""Trust on real traffic, measured through the production Suggester: out-of-scope refusal
(and in-scope refusal), conversations (entry and reply on follow-up turns), mood, and
mood on real Persian reviews (ParsiNLU). Sets live in tests/data/, written blind to the
playbooks, each with a dev split (for tuning) and a test split (for reporting)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.suggest import Query, Result, Suggester, Turn

MOODS = ("calm", "frustrated", "angry")


def _rate(hits: int, n: int) -> float:
    return round(hits / n, 4) if n else 0.0


def load_items(path: Path, split: str | None) -> list[dict[str, Any]]:
    items = yaml.safe_load(path.read_text("utf-8")) or []
    return [i for i in items if split in (None, "all") or i.get("split") == split]


def top_entry(result: Result) -> str | None:
    best = max(result.suggestions, key=lambda s: s.score, default=None)
    return best.entry_id if best else None


# --------------------------------------------------------------------- abstention


def refusals(suggester: Suggester, texts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Share of messages answered no_match, overall and per group (text, group)."""
    total, groups = Counter[str](), Counter[str]()
    refused, weak = Counter[str](), Counter[str]()
    for number, (text, group) in enumerate(texts):
        result = suggester.suggest(Query(text, conversation_id=f"oos-{number}"))
        for g in (group, "all"):
            total[g] += 1
            refused[g] += result.no_match
            weak[g] += result.match == "weak"
        groups[group] += 1
    return {
        g: {"n": total[g], "refused": _rate(refused[g], total[g]), "weak": _rate(weak[g], total[g])}
        for g in sorted(total)
    }


def evaluate_out_of_scope(
    suggester: Suggester, oos: Sequence[dict[str, Any]], inscope: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Out-of-scope messages refused (by language and kind) and in-scope ones refused."""
    by_lang = refusals(suggester, [(i["text"], i["lang"]) for i in oos])
    by_kind = refusals(suggester, [(i["text"], i["kind"]) for i in oos])
    kept = refusals(suggester, inscope)
    return {
        "oos_refused": by_lang["all"]["refused"],
        "oos_n": by_lang["all"]["n"],
        "oos_by_lang": by_lang,
        "oos_by_kind": by_kind,
        "inscope_refused": kept["all"]["refused"],
        "inscope_weak": kept["all"]["weak"],
        "inscope_n": kept["all"]["n"],
        "inscope_by_lang": kept,
    }


# ------------------------------------------------------------------ conversations


@dataclass
class _Hits:
    n: int = 0
    entry: int = 0
    reply: int = 0

    def as_dict(self) -> dict[str, float]:
        return {
            "n": self.n,
            "entry_hit@1": _rate(self.entry, self.n),
            "reply_hit@1": _rate(self.reply, self.n),
        }


def evaluate_conversations(suggester: Suggester, conversations: Sequence[dict[str, Any]]) -> dict:
    """Each customer turn is asked with the turns before it as history (agent turns carry
    the suggestion they sent, as the sidebar reports it); entry and reply hit@1 of the
    top suggestion, for first contacts and for follow-ups separately."""
    groups: dict[str, _Hits] = defaultdict(_Hits)
    misses = []
    for conversation in conversations:
        lang = "en" if conversation["lang"] == "en" else "fa"
        history: list[Turn] = []
        first = True
        for turn in conversation["turns"]:
            if turn["role"] == "agent":
                sent = turn.get("sent")
                history.append(Turn("agent", turn["text"], f"{sent}/{lang}/0" if sent else None))
                continue
            result = suggester.suggest(
                Query(turn["text"], conversation_id=conversation["id"], history=tuple(history))
            )
            best = max(result.suggestions, key=lambda s: s.score, default=None)
            entry_ok = best is not None and best.entry_id == turn["entry"]
            reply_ok = (
                best is not None
                and entry_ok
                and bool(turn.get("reply_any") or best.reply_id == turn["reply"])
            )
            stage = "first" if first else "follow_up"
            for group in (stage, f"{stage}/{conversation['lang']}", "all"):
                hits = groups[group]
                hits.n += 1
                hits.entry += entry_ok
                hits.reply += bool(reply_ok)
            if not reply_ok:
                misses.append(
                    {
                        "conversation": conversation["id"],
                        "text": turn["text"],
                        "expect": f"{turn['entry']}/{turn['reply']}",
                        "got": f"{best.entry_id}/{best.reply_id}" if best else "(no match)",
                    }
                )
            history.append(Turn("customer", turn["text"]))
            first = False
    return {
        "groups": {name: hits.as_dict() for name, hits in sorted(groups.items())},
        "misses": misses,
    }


# --------------------------------------------------------------------------- mood


def mood_scores(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Per-mood precision and recall from (gold, predicted) pairs."""
    confusion = Counter(pairs)
    out: dict[str, Any] = {"n": len(pairs)}
    for mood in MOODS:
        predicted = sum(n for (g, p), n in confusion.items() if p == mood)
        actual = sum(n for (g, p), n in confusion.items() if g == mood)
        right = confusion[(mood, mood)]
        out[mood] = {"precision": _rate(right, predicted), "recall": _rate(right, actual)}
    out["accuracy"] = _rate(sum(confusion[(m, m)] for m in MOODS), len(pairs))
    out["confusion"] = {f"{g}->{p}": n for (g, p), n in sorted(confusion.items())}
    return out


def predicted_moods(suggester: Suggester, texts: Sequence[str]) -> list[str]:
    return [
        suggester.suggest(Query(text, conversation_id=f"mood-{n}")).signals.mood
        for n, text in enumerate(texts)
    ]


def evaluate_mood(suggester: Suggester, cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    predicted = predicted_moods(suggester, [c["text"] for c in cases])
    report = mood_scores([(c["mood"], p) for c, p in zip(cases, predicted, strict=True)])
    hard = [(c["mood"], p) for c, p in zip(cases, predicted, strict=True) if c.get("hard")]
    report["hard_accuracy"] = _rate(sum(g == p for g, p in hard), len(hard))
    return report


def parsinlu_reviews(data: Path, split: str) -> list[tuple[str, int]]:
    """(review, overall sentiment -2..2) for the dev or test reviews of ParsiNLU food.

    The split files list each review once per aspect without the overall score, which
    lives in food.jsonl; reviews are matched by text. Mixed (3) reviews are left out."""
    folder = data / "parsinlu-sentiment-food"
    overall = {}
    for line in (folder / "food.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        overall[row["review"]] = int(row["sentiment"])
    name = "food_dev.jsonl" if split == "dev" else "food_test.jsonl"
    seen: dict[str, int] = {}
    for line in (folder / name).read_text("utf-8").splitlines():
        review = json.loads(line)["review"]
        if review in overall and overall[review] in (-2, -1, 0, 1, 2):
            seen.setdefault(review, overall[review])
    return list(seen.items())


def evaluate_sentiment(suggester: Suggester, reviews: Sequence[tuple[str, int]]) -> dict:
    """Share of reviews read as not calm, per overall sentiment (-2 very negative …
    +2 very positive): a very negative review should read as upset, praise as calm."""
    predicted = predicted_moods(suggester, [text for text, _ in reviews])
    by_score: dict[int, list[str]] = defaultdict(list)
    for (_, score), mood in zip(reviews, predicted, strict=True):
        by_score[score].append(mood)
    return {
        str(score): {
            "n": len(moods),
            "non_calm": _rate(sum(m != "calm" for m in moods), len(moods)),
        }
        for score, moods in sorted(by_score.items())
    }


# ------------------------------------------------------------------- real traffic


def real_tweets(data: Path) -> list[str]:
    """Opening customer tweets: TwACS's 491 labelled airline dialogs and the inbound
    tweets of the TWCS sample, handles and placeholders removed."""
    import csv
    import re

    texts: list[str] = []
    labelled = data / "twacs-airlines" / "airlines_labeled_491.csv"
    if labelled.is_file():
        with open(labelled, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = re.sub(r"<cust__|__cust>|__[a-z_]+__", " ", row["first_utterance"])
                texts.append(" ".join(text.split()))
    sample = data / "twcs-kaggle-sample" / "sample.csv"
    if sample.is_file():
        with open(sample, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["inbound"] == "True":
                    texts.append(" ".join(re.sub(r"@\w+|https?://\S+", " ", row["text"]).split()))
    return [t for t in texts if t]


def catch_all(suggester: Suggester, texts: Sequence[str], factor: float = 4.0) -> dict[str, Any]:
    """Refusal rate on a sample, and the entries that take far more than their share of
    the answered messages (more than `factor` times 1/entries, and at least 5 %): a
    lint for entries whose examples are too generic."""
    tops: Counter[str] = Counter()
    matches: Counter[str] = Counter()
    for number, text in enumerate(texts):
        result = suggester.suggest(Query(text, conversation_id=f"sample-{number}"))
        matches[result.match] += 1
        entry = top_entry(result)
        if entry and result.match == "confident":
            tops[entry] += 1
    answered = sum(tops.values())
    entries = len(suggester.index.entries)
    bar = max(factor / entries, 0.05)
    shares = {e: round(n / answered, 4) for e, n in tops.most_common()} if answered else {}
    return {
        "n": len(texts),
        "matches": {m: _rate(matches[m], len(texts)) for m in ("confident", "weak", "none")},
        "catch_all_bar": round(bar, 4),
        "catch_all": {e: s for e, s in shares.items() if s > bar},
        "top_shares": dict(list(shares.items())[:10]),
    }
