import json
import os

import pytest

from assist.core.cache import EmbeddingCache
from assist.core.embed import HashEmbedder
from assist.core.index import build_index, current_version, load_index
from assist.core.playbooks import load_playbooks
from assist.errors import IndexMismatch, IndexNotReady
from conftest import FIXTURE_PLAYBOOKS


@pytest.fixture
def playbooks():
    return load_playbooks(FIXTURE_PLAYBOOKS)


def test_build_publishes_a_verified_version(tmp_path, playbooks):
    root = tmp_path / "index"
    report = build_index(playbooks, HashEmbedder(), root)
    assert current_version(root) == report.version
    assert sorted(os.listdir(report.path)) == [
        "entries.json",
        "lexical",
        "manifest.json",
        "moods.json",
        "moods.npy",
        "sides.json",
        "sides.npy",
        "units.jsonl",
        "vectors.faiss",
    ]
    assert any(
        name.startswith("lexical/")
        for name in json.loads((report.path / "manifest.json").read_text())["files"]
    )
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["embedder"] == "hash" and manifest["dim"] == 256
    assert manifest["counts"]["entries"] == 3
    assert manifest["counts"]["units"] == report.units == 3 * 2 + 9 + 6 - 1  # titles + examples
    assert set(manifest["sources"]) == {"shop.yaml"}
    index = load_index(root, HashEmbedder())
    assert index.version == report.version
    assert len(index.units) == index.vectors.ntotal
    unit = index.units[0]
    assert (unit.kind, unit.entry_id) == ("title", "order-late")


def test_missing_index_says_to_reindex(tmp_path):
    with pytest.raises(IndexNotReady, match="assist reindex"):
        load_index(tmp_path, HashEmbedder())


def test_embedder_mismatch_is_refused(tmp_path, playbooks):
    build_index(playbooks, HashEmbedder(), tmp_path)
    with pytest.raises(IndexMismatch, match="built with hash"):
        load_index(tmp_path, HashEmbedder(dim=128))


def test_corrupt_file_is_refused(tmp_path, playbooks):
    report = build_index(playbooks, HashEmbedder(), tmp_path)
    with open(report.path / "units.jsonl", "a") as fh:
        fh.write("{}\n")
    with pytest.raises(IndexMismatch, match=r"checksum of units\.jsonl"):
        load_index(tmp_path, HashEmbedder())
    (report.path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMismatch, match="unreadable manifest"):
        load_index(tmp_path, HashEmbedder())


class FailingEmbedder(HashEmbedder):
    """Fails after the first batch: a crash in the middle of a build."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def embed(self, texts, role):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("model crashed mid-build")
        return super().embed(texts, role)


def test_failed_build_leaves_current_untouched(tmp_path, playbooks, monkeypatch):
    root = tmp_path / "index"
    good = build_index(playbooks, HashEmbedder(), root)
    monkeypatch.setattr("assist.core.cache.BATCH", 4)  # several batches, so the crash is mid-way
    with pytest.raises(RuntimeError, match="mid-build"):
        build_index(playbooks, FailingEmbedder(), root)
    assert current_version(root) == good.version
    # and a crash while writing the files (after embedding) cleans up its temp dir too
    monkeypatch.setattr(
        "assist.core.index.faiss.serialize_index",
        lambda _: (_ for _ in ()).throw(OSError("disk full")),
    )
    with pytest.raises(OSError, match="disk full"):
        build_index(playbooks, HashEmbedder(), root)
    assert current_version(root) == good.version
    assert not [p for p in os.listdir(root) if p.startswith(".tmp-")]
    assert load_index(root, HashEmbedder()).version == good.version


def test_warm_cache_reembeds_nothing_and_old_versions_are_pruned(tmp_path, playbooks):
    root = tmp_path / "index"
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cold = build_index(playbooks, HashEmbedder(), root, cache=cache, keep=2)
        versions = [cold.version]
        for _ in range(3):
            warm = build_index(playbooks, HashEmbedder(), root, cache=cache, keep=2)
            versions.append(warm.version)
            assert warm.embedded == 0
    assert cold.embedded > 0
    assert len(set(versions)) == 4
    kept = sorted(p for p in os.listdir(root) if not p.startswith(".") and p != "current")
    assert kept == sorted(versions[-2:])
    assert current_version(root) == versions[-1]


def test_search_returns_nearest_units(tmp_path, playbooks):
    build_index(playbooks, HashEmbedder(), tmp_path)
    index = load_index(tmp_path, HashEmbedder())
    query = HashEmbedder().embed(["i forgot my password"], "query")
    scores, ids = index.search(query, 5)
    assert index.units[ids[0][0]].entry_id == "password-reset"
    assert scores[0][0] >= scores[0][1]


def test_unit_kinds_follow_the_options(tmp_path, playbooks):
    from assist.core.index import collect_units

    default = collect_units(playbooks.entries)
    bare = collect_units(playbooks.entries, titles=False)
    rich = collect_units(playbooks.entries, guidance=True)
    assert {u.kind for u in default} == {"title", "example"}
    assert {u.kind for u in bare} == {"example"}
    assert {u.kind for u in rich} == {"title", "example", "guidance"}
    report = build_index(playbooks, HashEmbedder(), tmp_path, guidance=True)
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["counts"]["units_guidance"] == len(rich) - len(default)
