import numpy as np

from assist.core.cache import EmbeddingCache, embed_cached
from assist.core.embed import HashEmbedder, truncate


def test_hash_embedder_is_deterministic_and_normalised():
    embedder = HashEmbedder()
    a = embedder.embed(["my order is late", "سفارشم دیر شده"], "query")
    b = embedder.embed(["my order is late", "سفارشم دیر شده"], "document")
    assert a.shape == (2, 256) and a.dtype == np.float32
    assert np.allclose(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    similar, other = embedder.embed(["my order is very late", "reset password"], "query")
    assert a[0] @ similar > a[0] @ other


def test_truncate_cuts_long_text_to_the_model_limit():
    embedder = HashEmbedder()
    short = "where is my order"
    assert truncate(embedder, short) == (short, False)
    long_text = "word " * 2000
    cut, truncated = truncate(embedder, long_text)
    assert truncated
    assert embedder.token_count(cut) <= embedder.max_tokens


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def embed(self, texts, role):
        self.calls += len(texts)
        return super().embed(texts, role)


def test_cache_reembeds_only_new_texts(tmp_path):
    embedder = CountingEmbedder()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        first, computed = embed_cached(embedder, ["a b", "c d", "a b"], "document", cache)
        assert computed == 2 and embedder.calls == 2
        again, computed = embed_cached(embedder, ["a b", "c d", "e f"], "document", cache)
        assert computed == 1 and embedder.calls == 3
        assert np.allclose(first[0], again[0])
        # role is part of the key: query vectors are cached separately
        _, computed = embed_cached(embedder, ["a b"], "query", cache)
        assert computed == 1


def test_cache_survives_reopen_and_reports_progress(tmp_path):
    embedder = CountingEmbedder()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        embed_cached(embedder, [f"text {i}" for i in range(100)], "document", cache)
    seen = []
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        _, computed = embed_cached(
            embedder, [f"text {i}" for i in range(100)], "document", cache, seen.append
        )
    assert computed == 0 and sum(seen) == 100
