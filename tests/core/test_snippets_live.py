"""Snippets in the search: folded into a version at reindex, or live beside it, and
only ever offered to whom they belong."""

from __future__ import annotations

import numpy as np
import pytest

from assist.core.index import build_index, load_index
from assist.core.library import combine
from assist.core.playbooks import load_playbooks
from assist.core.snippets import LiveSnippets, SharedReply, Viewer, snippet_id
from assist.core.suggest import Query, Suggester
from conftest import FIXTURE_PLAYBOOKS

GIFT = ["can you wrap my order as a gift", "please add gift wrapping to my parcel"]


def shared(number: int, change: int, **changes) -> SharedReply:
    fields = dict(
        id=number,
        change=change,
        author="sara",
        team="support",
        visibility="team",
        status="approved",
        replies={"en": ["{{customer_name}}, we can gift-wrap it: [[which paper they chose]]"]},
        triggers=GIFT,
        title="Gift wrapping",
    )
    fields.update(changes)
    return SharedReply(**fields)


SARA = Viewer("sara", "support")
REZA = Viewer("reza", "support")
OTHER_TEAM = Viewer("mina", "sales")


def offered(
    suggester: Suggester, message: str, viewer: Viewer | None
) -> list[tuple[str, str, str | None]]:
    result = suggester.suggest(Query(message, viewer=viewer, k=5))
    return [(s.entry_id, s.source, s.author) for s in result.suggestions]


@pytest.fixture
def base(settings, embedder):
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), embedder, settings.index_dir)
    return load_index(settings.index_dir, embedder)


def test_a_live_snippet_is_found_by_its_trigger_and_labelled_with_its_author(
    base, embedder, settings
):
    live = LiveSnippets().apply([shared(7, 1)], embedder, base.entries)
    suggester = Suggester(combine(base, live), embedder, settings)
    found = offered(suggester, GIFT[0], REZA)
    assert found[0] == ("snippet-7", "snippet", "sara")
    assert ("snippet-7", "snippet", "sara") not in offered(suggester, GIFT[0], OTHER_TEAM)


def test_a_private_snippet_is_offered_to_its_author_only(base, embedder, settings):
    live = LiveSnippets().apply([shared(3, 1, visibility="private")], embedder, base.entries)
    suggester = Suggester(combine(base, live), embedder, settings)
    assert offered(suggester, GIFT[0], SARA)[0][0] == "snippet-3"
    assert all(e != "snippet-3" for e, _, _ in offered(suggester, GIFT[0], REZA))
    assert all(e != "snippet-3" for e, _, _ in offered(suggester, GIFT[0], None))


def test_reindex_folds_snippets_and_a_later_retirement_hides_the_folded_one(
    settings, embedder, tmp_path
):
    build_index(
        load_playbooks(FIXTURE_PLAYBOOKS),
        embedder,
        settings.index_dir,
        snippets=[shared(5, 4), shared(6, 5, status="proposed")],
        snippet_change=5,
    )
    base = load_index(settings.index_dir, embedder)
    assert base.snippet_change == 5 and "snippet-5" in base.entries
    assert "snippet-6" not in base.entries  # only approved ones are folded
    suggester = Suggester(base, embedder, settings)
    assert offered(suggester, GIFT[1], REZA)[0] == ("snippet-5", "snippet", "sara")
    retired = LiveSnippets().apply([shared(5, 6, status="retired")], embedder, base.entries)
    suggester.index = combine(base, retired)
    assert all(e != "snippet-5" for e, _, _ in offered(suggester, GIFT[1], REZA))


def test_an_edited_snippet_replaces_its_folded_version(settings, embedder):
    build_index(
        load_playbooks(FIXTURE_PLAYBOOKS),
        embedder,
        settings.index_dir,
        snippets=[shared(5, 1)],
        snippet_change=1,
    )
    base = load_index(settings.index_dir, embedder)
    edited = shared(
        5, 2, triggers=["do you sell vouchers for birthdays", "birthday voucher please"]
    )
    index = combine(base, LiveSnippets().apply([edited], embedder, base.entries))
    suggester = Suggester(index, embedder, settings)
    top = suggester.suggest(Query("birthday voucher please", viewer=REZA)).suggestions[0]
    assert top.entry_id == "snippet-5" and top.why.text == "birthday voucher please"
    # the old triggers no longer reach it
    assert all(
        s.entry_id != "snippet-5" or s.why.text not in GIFT
        for s in suggester.suggest(Query(GIFT[1], viewer=REZA, k=5)).suggestions
    )


def test_only_new_triggers_are_embedded_and_a_new_version_drops_what_it_holds(base, embedder):
    calls = []

    class Counting:
        def __getattr__(self, name):
            return getattr(embedder, name)

        def embed(self, texts, role):
            calls.append(list(texts))
            return embedder.embed(texts, role)

    counting = Counting()
    first = LiveSnippets().apply([shared(1, 1)], counting, base.entries)
    second = first.apply([shared(2, 2, triggers=[*GIFT, "gift box?"])], counting, base.entries)
    assert [len(c) for c in calls] == [2, 1]
    assert second.change == 2 and len(second.units) == 5
    pruned = second.since(1)
    assert set(pruned.records) == {2} and len(pruned.units) == 3
    assert np.allclose(pruned.vectors, second.vectors[2:])


def test_a_snippet_under_an_entry_borrows_its_coaching(base, embedder):
    live = LiveSnippets().apply([shared(9, 1, entry_id="order-late")], embedder, base.entries)
    (entry,) = live.entries
    assert entry.guidance == base.entries["order-late"].guidance
    assert entry.promise_limit_hours == base.entries["order-late"].promise_limit_hours
    assert snippet_id(entry.id) == 9


def _candidates(*pairs):
    from assist.core.suggest import _Candidate

    return [_Candidate(e, s, s, 0, 0, s) for e, s in pairs]


def test_a_close_snippet_takes_the_last_shown_place_never_the_first():
    from types import SimpleNamespace

    from assist.core.suggest import _seat_a_snippet

    index = SimpleNamespace(scopes={"snippet-1": object()})
    ranked = _candidates(("a", 0.95), ("b", 0.94), ("c", 0.93), ("snippet-1", 0.92), ("d", 0.9))
    _seat_a_snippet(index, ranked, 3, margin=0.05)
    assert [c.entry_id for c in ranked] == ["a", "b", "snippet-1", "c", "d"]
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    far = _candidates(("a", 0.95), ("b", 0.94), ("c", 0.93), ("snippet-1", 0.85))
    _seat_a_snippet(index, far, 3, margin=0.05)
    assert far[-1].entry_id == "snippet-1"  # too far behind: left where it was
    one = _candidates(("a", 0.95), ("snippet-1", 0.949))
    _seat_a_snippet(index, one, 1, margin=0.05)
    assert one[0].entry_id == "a"
