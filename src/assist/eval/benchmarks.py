"""Public datasets as benchmarks: each loader turns a dataset into in-memory playbook
entries (the index side) and labelled queries, following the leakage-free recipes in
../shared/datasets/README.md. Evaluation then runs them through the production index
and Suggester (evaluate.py); nothing here ranks.

Every benchmark has a `test` split (the reported numbers) and, where the recipe allows,
a `dev` split for tuning (index and queries both drawn from index-side data only).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.schemas import Entry, Localized, LocalizedList, Reply
from ..errors import AssistError

Split = str  # "test" | "dev"


class DatasetMissing(AssistError):
    status_code = 404


@dataclass(frozen=True)
class Query:
    text: str
    gold: frozenset[str]  # entry ids that count as right; empty = should abstain
    lang: str


@dataclass
class Benchmark:
    name: str
    lang: str
    entries: list[Entry]
    queries: list[Query]
    abstention: bool = False  # has out-of-scope queries (gold empty)
    # (lang, text) exemplars of what no entry answers, from the index side only
    out_of_scope: list[tuple[str, str]] = field(default_factory=list)
    exclude_self: dict[str, str] = field(default_factory=dict)  # query text -> its own entry
    notes: str = ""


def kebab(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "x"


def entry(
    entry_id: str, title: str, texts: Iterable[str], lang: str, reply: str | None = None
) -> Entry:
    """An in-memory entry whose units are `texts` (and `title`)."""
    texts = [t for t in texts if t.strip()]
    return Entry(
        id=entry_id,
        title=Localized(**{lang: title}),
        examples=LocalizedList(**{lang: texts}),
        replies=[Reply(id="reply", **{lang: [reply or "[[answer]]"]})],
    )


def _bucket(key: str, buckets: int) -> int:
    """A stable pseudo-random split that does not depend on file order or Python's hash."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "little") % buckets


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DatasetMissing(
            f"{path} not found: pass --data DIR (the folder of "
            "../shared/datasets) or set ASSIST_EVAL_DATA"
        )
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        raise DatasetMissing(f"{path} not found: pass --data DIR or set ASSIST_EVAL_DATA")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _title(intent: str) -> str:
    return intent.replace("_", " ")


# ------------------------------------------------------------------------------ Bitext


def _bitext(data: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    folder = data / "bitext-customer-support"
    v1 = _read_csv(folder / "bitext_cs_v1_6480_canned_responses.csv")
    v2 = _read_csv(folder / "bitext_cs_v2_4514_placeholder_responses.csv")
    return v1, v2


def _digits(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _bitext_queries(
    v1: list[dict[str, str]], v2: list[dict[str, str]], split: Split
) -> tuple[list[Query], list[dict[str, str]]]:
    """test: v1 instructions not in v2 (1,834); dev: a fifth of v2 held out.
    Returns the queries and the v2 rows the index side may use."""
    if split == "dev":
        held = [r for r in v2 if _bucket(r["instruction"], 5) == 0]
        kept = [r for r in v2 if _bucket(r["instruction"], 5) != 0]
        return [Query(r["instruction"], frozenset({kebab(r["intent"])}), "en") for r in held], kept
    seen = {_digits(r["instruction"]) for r in v2}
    queries = [
        Query(r["instruction"], frozenset({kebab(r["intent"])}), "en")
        for r in v1
        if _digits(r["instruction"]) not in seen
    ]
    return queries, v2


def bitext_a(data: Path, split: Split) -> Benchmark:
    """v2 replies as templates: match a customer message to agents' reply texts."""
    v1, v2 = _bitext(data)
    queries, rows = _bitext_queries(v1, v2, split)
    replies: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        replies[row["intent"]].append(row["response"])
    entries = [entry(kebab(i), _title(i), texts, "en") for i, texts in sorted(replies.items())]
    return Benchmark("bitext-a", "en", entries, queries)


def bitext_b(data: Path, split: Split) -> Benchmark:
    """The 27 canned v1 replies, one per intent: a minimal playbook."""
    v1, v2 = _bitext(data)
    queries, _ = _bitext_queries(v1, v2, split)
    canned = {row["intent"]: row["response"] for row in v1}
    entries = [
        entry(kebab(i), _title(i), [reply], "en", reply) for i, reply in sorted(canned.items())
    ]
    return Benchmark("bitext-b", "en", entries, queries)


def bitext_c(data: Path, split: Split) -> Benchmark:
    """v2 instructions as example customer messages of their intent's template."""
    v1, v2 = _bitext(data)
    queries, rows = _bitext_queries(v1, v2, split)
    canned = {row["intent"]: row["response"] for row in v1}
    examples: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        examples[row["intent"]].append(row["instruction"])
    entries = [
        entry(kebab(i), _title(i), texts, "en", canned[i]) for i, texts in sorted(examples.items())
    ]
    return Benchmark("bitext-c", "en", entries, queries)


# --------------------------------------------------------------------------- banking77


def banking77(data: Path, split: Split) -> Benchmark:
    """train utterances as exemplars; test minus exact duplicates of train (3,073)."""
    folder = data / "banking77"
    train = _read_csv(folder / "train.csv")
    if split == "dev":
        index_rows = [r for r in train if _bucket(r["text"], 10) != 0]
        query_rows = [r for r in train if _bucket(r["text"], 10) == 0]
    else:
        index_rows = train
        seen = {" ".join(r["text"].lower().split()) for r in train}
        query_rows = [
            r
            for r in _read_csv(folder / "test.csv")
            if " ".join(r["text"].lower().split()) not in seen
        ]
    examples: dict[str, list[str]] = defaultdict(list)
    for row in index_rows:
        examples[row["category"]].append(row["text"])
    entries = [entry(kebab(i), _title(i), texts, "en") for i, texts in sorted(examples.items())]
    queries = [Query(r["text"], frozenset({kebab(r["category"])}), "en") for r in query_rows]
    return Benchmark("banking77", "en", entries, queries)


# ---------------------------------------------------------------------------- CLINC150


def clinc150(data: Path, split: Split) -> Benchmark:
    """train exemplars; dev = val + oos_val (tune the no-match threshold), test = test +
    oos_test. Out-of-scope queries have no gold: the right answer is no_match."""
    path = data / "clinc150" / "data_full.json"
    if not path.is_file():
        raise DatasetMissing(f"{path} not found: pass --data DIR or set ASSIST_EVAL_DATA")
    raw = json.loads(path.read_text("utf-8"))
    examples: dict[str, list[str]] = defaultdict(list)
    for text, intent in raw["train"]:
        examples[intent].append(text)
    entries = [entry(kebab(i), _title(i), texts, "en") for i, texts in sorted(examples.items())]
    inscope, oos = ("val", "oos_val") if split == "dev" else ("test", "oos_test")
    queries = [Query(t, frozenset({kebab(i)}), "en") for t, i in raw[inscope]]
    queries += [Query(t, frozenset(), "en") for t, _ in raw[oos]]
    outside = [("en", text) for text, _ in raw.get("oos_train", [])]  # train side: no leak
    return Benchmark("clinc150", "en", entries, queries, abstention=True, out_of_scope=outside)


# ------------------------------------------------------------------------ ParsiNLU qqp


def _qqp(data: Path, split: Split, category: str) -> Benchmark:
    folder = data / "parsinlu-qqp"
    rows = {name: _read_jsonl(folder / f"{name}.jsonl") for name in ("train", "dev", "test")}
    questions: dict[str, str] = {}
    for part in rows.values():
        for row in part:
            for key in ("q1", "q2"):
                text = str(row[key]).strip()
                questions.setdefault(text, f"q-{len(questions)}")
    entries = [entry(qid, text, [text], "fa") for text, qid in questions.items()]
    positives: dict[str, set[str]] = defaultdict(set)
    for row in rows["dev" if split == "dev" else "test"]:
        if row["category"] == category and str(row["label"]) == "1":
            q1, q2 = str(row["q1"]).strip(), str(row["q2"]).strip()
            if q1 != q2:  # the query's own text is excluded, so such a pair can't hit
                positives[q1].add(questions[q2])
    queries = [Query(q, frozenset(golds), "fa") for q, golds in positives.items()]
    own = {q.text: questions[q.text] for q in queries}
    name = "qqp-natural" if category == "natural" else "qqp-translated"
    return Benchmark(
        name,
        "fa",
        entries,
        queries,
        exclude_self=own,
        notes=f"{len(entries)} questions in the pool (all splits)",
    )


def qqp_natural(data: Path, split: Split) -> Benchmark:
    return _qqp(data, split, "natural")


def qqp_translated(data: Path, split: Split) -> Benchmark:
    return _qqp(data, split, "qqp")


# ----------------------------------------------------------------------------- MASSIVE


def _massive(data: Path, locale: str) -> list[dict[str, object]]:
    return _read_jsonl(data / "massive-fa-sample" / f"{locale}.sample500.jsonl")


def _massive_bench(data: Path, index_locale: str, query_locale: str, name: str) -> Benchmark:
    index_rows = [r for r in _massive(data, index_locale) if r["partition"] == "train"]
    query_rows = [r for r in _massive(data, query_locale) if r["partition"] in ("dev", "test")]
    lang = "fa" if index_locale == "fa-IR" else "en"
    examples: dict[str, list[str]] = defaultdict(list)
    for row in index_rows:
        examples[str(row["intent"])].append(str(row["utt"]))
    entries = [entry(kebab(i), _title(i), texts, lang) for i, texts in sorted(examples.items())]
    query_lang = "fa" if query_locale == "fa-IR" else "en"
    queries = [
        Query(str(r["utt"]), frozenset({kebab(str(r["intent"]))}), query_lang) for r in query_rows
    ]
    return Benchmark(
        name, query_lang, entries, queries, notes="168 queries: small, read the confidence interval"
    )


def massive_fa(data: Path, split: Split) -> Benchmark:
    return _massive_bench(data, "fa-IR", "fa-IR", "massive-fa")


def massive_en2fa(data: Path, split: Split) -> Benchmark:
    return _massive_bench(data, "fa-IR", "en-US", "massive-en2fa")


def massive_fa2en(data: Path, split: Split) -> Benchmark:
    return _massive_bench(data, "en-US", "fa-IR", "massive-fa2en")


def massive_mixed(data: Path, split: Split) -> Benchmark:
    """A library in two languages: every other intent has only English examples, the
    rest only Persian; queries in both languages (dev partition for tuning, test for the
    report). Half the right answers are in the other language: the language-bias test."""
    english = {str(r["id"]): r for r in _massive(data, "en-US")}
    persian = _massive(data, "fa-IR")
    intents = sorted({str(r["intent"]) for r in persian})
    in_english = set(intents[::2])
    examples: dict[str, list[str]] = defaultdict(list)
    for row in persian:
        if row["partition"] != "train":
            continue
        intent = str(row["intent"])
        twin = english.get(str(row["id"]))
        text = twin["utt"] if intent in in_english and twin else row["utt"]
        examples[intent].append(str(text))
    entries = [
        entry(kebab(i), _title(i), texts, "en" if i in in_english else "fa")
        for i, texts in sorted(examples.items())
    ]
    part = "dev" if split == "dev" else "test"
    queries = [
        Query(str(r["utt"]), frozenset({kebab(str(r["intent"]))}), lang)
        for rows, lang in ((persian, "fa"), (list(english.values()), "en"))
        for r in rows
        if r["partition"] == part
    ]
    return Benchmark("massive-mixed", "fa", entries, queries, notes="half the answers cross")


# ------------------------------------------------------------------------------ TwACS

_TURN = re.compile(r"<(cust|rep)__(.*?)__\1>", re.S)
_MASK = re.compile(r"__(company|cust|num|initials|twitter_tag|twitter_at)__")


def _clean_tweet(text: str) -> str:
    return " ".join(_MASK.sub(" ", text).split())


def twacs(data: Path, split: Split) -> Benchmark:
    """Reply retrieval: every dialog's first agent reply is an entry; a dialog's opening
    tweet must find its own reply. Queries are a fifth of the dialogs by id (dev: another
    fifth); the index holds all replies, as an agent's history would."""
    rows = _read_csv(data / "twacs-airlines" / "airlines_raw.sample10k.csv")
    entries: list[Entry] = []
    queries: list[Query] = []
    bucket = 1 if split == "dev" else 0
    for row in rows:
        first_reply = next(
            (m.group(2) for m in _TURN.finditer(row["context"]) if m.group(1) == "rep"), None
        )
        opening = _TURN.search(row["first_utterance"])
        if not first_reply or not opening:
            continue
        reply, message = _clean_tweet(first_reply), _clean_tweet(opening.group(2))
        if not reply or not message:
            continue
        entry_id = f"d-{row['first_tweet_id']}"
        entries.append(entry(entry_id, reply[:60], [reply], "en", reply))
        if _bucket(row["first_tweet_id"], 5) == bucket:
            queries.append(Query(message, frozenset({entry_id}), "en"))
    return Benchmark(
        "twacs", "en", entries, queries, notes="real agent replies; a hit is the dialog's own reply"
    )


LOADERS: dict[str, Callable[[Path, Split], Benchmark]] = {
    "bitext-a": bitext_a,
    "bitext-b": bitext_b,
    "bitext-c": bitext_c,
    "banking77": banking77,
    "clinc150": clinc150,
    "qqp-natural": qqp_natural,
    "qqp-translated": qqp_translated,
    "massive-fa": massive_fa,
    "massive-en2fa": massive_en2fa,
    "massive-fa2en": massive_fa2en,
    "massive-mixed": massive_mixed,
    "twacs": twacs,
}
# Small and quick enough for CI on a clean machine (cold embedding cache).
FAST = ("massive-fa", "massive-en2fa", "massive-fa2en", "bitext-b")


def load(name: str, data: Path, split: Split = "test") -> Benchmark:
    try:
        loader = LOADERS[name]
    except KeyError:
        raise DatasetMissing(
            f"unknown benchmark {name!r}; choose from {', '.join(LOADERS)}"
        ) from None
    return loader(data, split)
