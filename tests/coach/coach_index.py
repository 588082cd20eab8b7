"""The fixture index (tests/data/playbooks, hashing embedder) the coach tests read; built
once per test module, since the checks never change it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.core.embed import HashEmbedder
from assist.core.index import Index, build_index, load_index
from assist.core.playbooks import load_playbooks

FIXTURE_PLAYBOOKS = Path(__file__).parent.parent / "data" / "playbooks"


def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("coach-index")
    embedder = HashEmbedder()
    build_index(load_playbooks(FIXTURE_PLAYBOOKS), embedder, root)
    return load_index(root, embedder)
