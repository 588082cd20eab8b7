"""Proof before trust: do feedback priors help, and can bad feedback hurt?

Simulated agents work through one half of the golden set (split per situation and
language, by the seed): each message arrives `rounds` times, the answer's suggestions
are shown, the right one, if among them, is inserted with probability `accept` times how
often its place is read (`examine`), then sent or, with probability `rewrite`, rewritten
(no acceptance); the others are dismissed with probability `dismiss`. Priors learnt from
those events (learn/priors.py, the production code) then rank the other half: hit@1
before and after, and after every slice of events (the curve). Two attacks on the same
held-out half: one API key dismissing the right answer of the most frequent situation
1,000 times on top of the honest events, and agents who click at random.

The events are logged against the ranking without priors (an offline replay): each
message is ranked once and its answer reused, so the e5 run takes seconds per curve
point, not minutes.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.cache import MemoEmbedder
from ..core.suggest import Query, Result, Suggester
from ..learn.priors import Count, learn_priors
from .benchmarks import Benchmark
from .evaluate import Case, ranked_entries

ATTACKER = "mallory"


@dataclass(frozen=True)
class Agents:
    """How the simulated agents behave."""

    accept: float = 0.7  # the right suggestion, when shown and read, is inserted
    examine: tuple[float, ...] = (1.0, 0.85, 0.7)  # how often each place is read
    rewrite: float = 0.15  # inserted, then rewritten before sending: no acceptance
    dismiss: float = 0.5  # each other shown suggestion is dismissed
    names: int = 6  # API keys taking turns
    rounds: int = 10  # times each training message arrives (new conversations each time)
    attack: int = 1000  # the attacker's dismissals


@dataclass(frozen=True)
class Show:
    """One suggestion shown once, with what the agent did: the unit priors count."""

    entry_id: str
    reply_id: str
    agent: str
    position: int
    accepted: bool
    events: int  # feedback events it produced (shown, inserted, sent, dismissed...)


def split(cases: Sequence[Case], seed: int) -> tuple[list[Case], list[Case]]:
    """Half of each (situation, language) group to train on, the rest held out."""
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for case in cases:
        groups[(case.expect, case.lang)].append(case)
    rng = random.Random(seed)
    train, test = [], []
    for number, key in enumerate(sorted(groups)):
        group = groups[key][:]
        rng.shuffle(group)
        half = (len(group) + number % 2) // 2  # odd sizes round down and up in turn
        train += group[:half]
        test += group[half:]
    return train, test


def replay(
    suggester: Suggester,
    cases: Sequence[Case],
    *,
    seed: int = 0,
    agents: Agents | None = None,
    points: int = 8,
) -> dict[str, Any]:
    agents = agents or Agents()
    # the same messages are ranked at every curve point: each is embedded once
    ranker = Suggester(suggester.index, MemoEmbedder(suggester.embedder), suggester.settings)
    train, test = split(cases, seed)
    answers = [
        ranker.suggest(Query(c.text, conversation_id=f"replay-{n}")) for n, c in enumerate(train)
    ]
    rng = random.Random(seed)
    honest = _simulate(train, answers, agents, rng, _honest)
    noise = _simulate(train, answers, agents, rng, _random_click)

    def hit1(shows: Sequence[Show]) -> float:
        rows = _counts(shows)
        ranker.priors = learn_priors(rows, ranker.settings).deltas if rows else {}
        return _hit_at_1(ranker, test)

    before = hit1([])
    curve, total = [[0, before]], 0
    for point in range(1, points + 1):
        upto = round(len(honest) * point / points)
        total = sum(s.events for s in honest[:upto])
        curve.append([total, hit1(honest[:upto])])
    after = curve[-1][1]
    target = _attack_target(ranker, test)
    attack = [Show(*target, ATTACKER, 0, False, 2) for _ in range(agents.attack)]
    attacked = hit1([*honest, *attack])
    clicked = hit1(noise)
    priors = learn_priors(_counts(honest), ranker.settings)
    ranker.priors = {}
    return {
        "seed": seed,
        "train": len(train),
        "test": len(test),
        "events": total,
        "hit@1_before": before,
        "hit@1_after": after,
        "adversarial": {
            "one_key_dismisses": {
                "hit@1": attacked,
                "target": f"{target[0]}/{target[1]}",
                "events": 2 * agents.attack,
            },
            "random_clicks": {"hit@1": clicked, "events": sum(s.events for s in noise)},
        },
        "curve": curve,
        "priors": priors.to_dict(),
        "agents": {
            "accept": agents.accept,
            "examine": list(agents.examine),
            "rewrite": agents.rewrite,
            "dismiss": agents.dismiss,
            "names": agents.names,
            "rounds": agents.rounds,
        },
    }


Policy = Callable[[Case, Result, Agents, random.Random], int | None]


def benchmark_cases(bench: Benchmark) -> list[Case]:
    """A public benchmark's queries with exactly one right entry, as replay cases (an
    out-of-scope or many-answer query has no single suggestion to insert)."""
    return [Case(q.text, next(iter(q.gold)), q.lang) for q in bench.queries if len(q.gold) == 1]


def _honest(case: Case, result: Result, agents: Agents, rng: random.Random) -> int | None:
    """The right suggestion's place, if the agent reads it and takes it."""
    for position, suggestion in enumerate(result.suggestions):
        if suggestion.entry_id == case.expect:
            read = agents.examine[min(position, len(agents.examine) - 1)]
            return position if rng.random() < agents.accept * read else None
    return None


def _random_click(case: Case, result: Result, agents: Agents, rng: random.Random) -> int | None:
    """Any shown suggestion, whatever it says, as often as an honest agent takes one."""
    if not result.suggestions or rng.random() >= agents.accept:
        return None
    return rng.randrange(len(result.suggestions))


def _simulate(
    train: Sequence[Case],
    answers: Sequence[Result],
    agents: Agents,
    rng: random.Random,
    policy: Policy,
) -> list[Show]:
    shows: list[Show] = []
    order = list(range(len(train)))
    for _ in range(agents.rounds):
        rng.shuffle(order)
        for number in order:
            case, result = train[number], answers[number]
            agent = f"agent-{rng.randrange(agents.names) + 1}"
            taken = policy(case, result, agents, rng)
            kept = taken is not None and rng.random() >= agents.rewrite
            for position, suggestion in enumerate(result.suggestions):
                # taken: shown, inserted, sent (or rewritten); else shown, maybe dismissed
                events = 3 if position == taken else 1 + (rng.random() < agents.dismiss)
                shows.append(
                    Show(
                        suggestion.entry_id,
                        suggestion.reply_id,
                        agent,
                        position,
                        position == taken and kept,
                        events,
                    )
                )
    return shows


def _counts(shows: Sequence[Show]) -> list[Count]:
    """The rows store/priors_counts.py would return for these shows (all of today)."""
    tally: Counter[tuple[str, str, str, int]] = Counter()
    taken: Counter[tuple[str, str, str, int]] = Counter()
    for show in shows:
        key = (show.entry_id, show.reply_id, show.agent, show.position)
        tally[key] += 1
        taken[key] += show.accepted
    return [Count(*key, 0.0, n, taken[key]) for key, n in sorted(tally.items())]


def _hit_at_1(ranker: Suggester, cases: Sequence[Case]) -> float:
    hits = 0
    for number, case in enumerate(cases):
        ranked = ranked_entries(ranker.suggest(Query(case.text, conversation_id=f"held-{number}")))
        hits += bool(ranked) and ranked[0] == case.expect
    return round(hits / len(cases), 4) if cases else 0.0


def _attack_target(ranker: Suggester, test: Sequence[Case]) -> tuple[str, str]:
    """The reply the most frequent held-out situation is answered with."""
    expect = Counter(c.expect for c in test).most_common(1)[0][0]
    for number, case in enumerate(test):
        if case.expect != expect:
            continue
        result = ranker.suggest(Query(case.text, conversation_id=f"held-{number}"))
        for suggestion in result.suggestions:
            if suggestion.entry_id == expect:
                return suggestion.entry_id, suggestion.reply_id
    return expect, ranker.index.entries[expect].replies[0].id


def write_curve(report: dict[str, Any], path: Path) -> Path:
    """hit@1 on the held-out half against feedback events seen, with the attacks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    events = [e for e, _ in report["curve"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(events, [h for _, h in report["curve"]], marker="o", label="honest agents")
    attacks = report["adversarial"]
    for name, style in (("one_key_dismisses", ":"), ("random_clicks", "--")):
        label = name.replace("_", " ")
        ax.axhline(attacks[name]["hit@1"], linestyle=style, color="grey", label=label)
    values = [h for _, h in report["curve"]] + [attacks[n]["hit@1"] for n in attacks]
    ax.set_ylim(min(values) - 0.02, min(1.0, max(values) + 0.02))  # a point is 1/n, not a cliff
    ax.set_xlabel("feedback events seen (training half)")
    ax.set_ylabel("hit@1, held-out half")
    ax.set_title(f"assist eval --replay (seed {report['seed']})")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
