"""API keys (stored as sha256 only) and token-bucket rate limiters: one per key for
requests, one per client address for failed authentications (key guessing).

Framework-free: the HTTP edge calls `KeyRing.identify`, `RateLimiter.take` and `.wait`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from ..errors import AssistError
from ..settings import ApiKey, Role, Settings

KEY_PREFIX = "ak_"
_KEYS = TypeAdapter(list[ApiKey])


class KeyConfigError(AssistError):
    status_code = 500


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def read_keys_file(path: Path) -> list[ApiKey]:
    if not path.exists():
        return []
    try:
        return _KEYS.validate_python(yaml.safe_load(path.read_text("utf-8")) or [])
    except (ValidationError, yaml.YAMLError) as exc:
        raise KeyConfigError(f"{path}: not a valid keys file ({exc})") from exc


def add_key(path: Path, name: str, role: Role) -> str:
    """Create a key, append its hash to the keys file (mode 0600); return the key once."""
    keys = read_keys_file(path)
    if any(k.name == name for k in keys):
        raise KeyConfigError(f"{path}: a key named {name!r} exists already")
    key = new_key()
    keys.append(ApiKey(name=name, role=role, sha256=hash_key(key)))
    text = yaml.safe_dump([k.model_dump() for k in keys], sort_keys=False, allow_unicode=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return key


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    def may(self, role: Role) -> bool:
        return self.role == "admin" or self.role == role


ANONYMOUS = Principal("anonymous", "admin")  # only when auth is explicitly disabled


class KeyRing:
    def __init__(self, keys: list[ApiKey]):
        self._by_hash = {k.sha256: k for k in keys}

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        keys = read_keys_file(settings.api_keys_file) + list(settings.api_keys)
        if not keys and not settings.auth_disabled:
            raise KeyConfigError(
                f"no API keys configured: create one with `assist keys new --name NAME "
                f"--role agent` (writes {settings.api_keys_file}), or set "
                "ASSIST_AUTH_DISABLED=true for a local demo"
            )
        return cls(keys)

    def __len__(self) -> int:
        return len(self._by_hash)

    def identify(self, key: str) -> Principal | None:
        digest = hash_key(key)
        for known, api_key in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return Principal(api_key.name, api_key.role)
        return None


class RateLimiter:
    """Token bucket per caller: `rate` tokens/s, up to `burst`. Per process; across
    replicas, put the limit in the load balancer.

    At most `max_callers` buckets are kept (callers may be client addresses, which an
    attacker can vary): past that the least recently seen is dropped, which only hands
    that caller a full burst again."""

    def __init__(self, rate: float, burst: int, max_callers: int = 10_000):
        self.rate, self.burst, self.max_callers = rate, burst, max_callers
        self._buckets: dict[str, tuple[float, float]] = {}  # insertion order = recency
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, caller: str) -> float:
        """0 if allowed (a token is spent); otherwise the seconds until one is free."""
        return self._check(caller, spend=True)

    def wait(self, caller: str) -> float:
        """Like `take`, without spending: 0 if a token is free now."""
        return self._check(caller, spend=False)

    def _check(self, caller: str, *, spend: bool) -> float:
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            if not spend and caller not in self._buckets:
                return 0.0  # a full bucket: nothing worth keeping
            tokens, last = self._buckets.pop(caller, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            if allowed and spend:
                tokens -= 1
            self._buckets[caller] = (tokens, now)
            if len(self._buckets) > self.max_callers:
                del self._buckets[next(iter(self._buckets))]
            return 0.0 if allowed else (1 - tokens) / self.rate
