"""Shared fixtures. Unit tests use the hashing embedder; `-m slow` loads the real models."""

from __future__ import annotations

import os

# An accidental model download must fail loudly, not hang or pass by luck.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from collections.abc import Iterator
from pathlib import Path

import pytest

from assist.core.cache import EmbeddingCache
from assist.core.embed import HashEmbedder
from assist.core.index import Index, build_index, load_index
from assist.core.playbooks import load_playbooks
from assist.core.suggest import Suggester
from assist.settings import Settings

DATA = Path(__file__).parent / "data"
FIXTURE_PLAYBOOKS = DATA / "playbooks"
REPO = Path(__file__).parent.parent
BUNDLED_PLAYBOOKS = REPO / "playbooks"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        playbooks_dir=FIXTURE_PLAYBOOKS,  # type: ignore[call-arg]
        index_dir=tmp_path / "index",
        embedder="hash",
    )


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def index(settings: Settings, embedder: HashEmbedder) -> Index:
    with EmbeddingCache(settings.embedding_cache_dir / "embeddings.sqlite") as cache:
        build_index(
            load_playbooks(settings.playbooks_dir), embedder, settings.index_dir, cache=cache
        )
    return load_index(settings.index_dir, embedder)


@pytest.fixture
def suggester(index: Index, embedder: HashEmbedder, settings: Settings) -> Iterator[Suggester]:
    yield Suggester(index, embedder, settings)


AGENT_KEY = "ak_test-agent-key"
ADMIN_KEY = "ak_test-admin-key"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    from assist.api.auth import hash_key
    from assist.settings import ApiKey

    keys = [
        ApiKey(name="agent-1", role="agent", sha256=hash_key(AGENT_KEY)),
        ApiKey(name="admin-1", role="admin", sha256=hash_key(ADMIN_KEY)),
    ]
    return settings.model_copy(
        update={
            "api_keys": keys,
            "api_keys_file": settings.index_dir / "no-keys.yaml",
            "reload_poll_seconds": 0.0,
            "rate_limit_per_second": 0.0,
        }
    )


def build(
    settings: Settings, playbooks: Path = FIXTURE_PLAYBOOKS, embedder: HashEmbedder | None = None
) -> str:
    """Publish an index of `playbooks`; returns its version."""
    return build_index(
        load_playbooks(playbooks), embedder or HashEmbedder(), settings.index_dir
    ).version


class LiveServer:
    """uvicorn serving an app on a free loopback port, in a background thread."""

    def __init__(self, app):
        import socket
        import threading

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# ------------------------------------------------------------------ PostgreSQL
# The real server on 127.0.0.1:5432, database `test`, trust auth (CI has it too); tests
# that need it skip only when nothing listens there.
PG_HOST, PG_PORT = "127.0.0.1", 5432


def _pg_reachable() -> bool:
    import socket

    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _pg_base_url() -> str:
    """`test` as postgres, else as root."""
    from sqlalchemy import create_engine

    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/test"
        engine = create_engine(url)
        try:
            with engine.connect():
                return url
        except Exception:
            continue
        finally:
            engine.dispose()
    pytest.fail("PostgreSQL answers on 5432 but neither postgres nor root may open `test`")


@pytest.fixture
def pg_store():
    """A Store on the real server, in a schema of its own that is dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    from assist.store.feedback import Store

    if not _pg_reachable():
        pytest.skip(f"no PostgreSQL server on {PG_HOST}:{PG_PORT}")
    base = _pg_base_url()
    schema = f"assist_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    store = Store(f"{base}?options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assist.sqlite'}"
    return request.getfixturevalue("pg_store").url.render_as_string(hide_password=False)


@pytest.fixture
def db(store_url: str):
    """A started Store (schema migrated to the newest revision) on either database."""
    from assist.store.feedback import Store

    store = Store(store_url)
    assert store.start()
    yield store
    store.close()


# ------------------------------------------------- the real e5 model (slow tier only)


def bundled_suggester(embedder, tmp_path_factory, name: str) -> Suggester:
    """The bundled playbooks indexed with a real model, as `make run` serves them."""
    root = tmp_path_factory.mktemp(name)
    with EmbeddingCache(root / "cache.sqlite") as cache:
        build_index(load_playbooks(BUNDLED_PLAYBOOKS), embedder, root / "index", cache=cache)
    settings = Settings(_env_file=None, index_dir=root / "index")  # type: ignore[call-arg]
    return Suggester(load_index(root / "index", embedder), embedder, settings)


@pytest.fixture(scope="session")
def e5():
    from assist.core.embed import E5Embedder

    return E5Embedder()


@pytest.fixture(scope="session")
def e5_suggester(e5, tmp_path_factory) -> Suggester:
    """Built once per session and shared by every slow test that needs it."""
    return bundled_suggester(e5, tmp_path_factory, "e5")
