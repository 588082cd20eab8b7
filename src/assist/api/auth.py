"""API keys (stored as sha256 only) and token-bucket rate limiters: one per key for
requests, one per client address for failed authentications (key guessing).

Framework-free: the HTTP edge calls `KeyRing.identify`, `RateLimiter.take` and `.wait`.
"""

from __future__ import annotations

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
from ..settings import KEY_PREFIX as KEY_PREFIX  # these three live in settings.py now
from ..settings import ROLES, ApiKey, Role, Settings, hash_key, new_key

_KEYS = TypeAdapter(list[ApiKey])


class KeyConfigError(AssistError):
    status_code = 500


def read_keys_file(path: Path) -> list[ApiKey]:
    if not path.exists():
        return []
    try:
        return _KEYS.validate_python(yaml.safe_load(path.read_text("utf-8")) or [])
    except (ValidationError, yaml.YAMLError) as exc:
        raise KeyConfigError(f"{path}: not a valid keys file ({exc})") from exc


def add_key(path: Path, name: str, role: Role, team: str = "default") -> str:
    """Create a key, append its hash to the keys file (mode 0600); return the key once.
    A running server picks the file up on its next request with an unknown key."""
    keys = read_keys_file(path)
    if any(k.name == name for k in keys):
        raise KeyConfigError(f"{path}: a key named {name!r} exists already")
    key = new_key()
    keys.append(ApiKey(name=name, role=role, team=team, sha256=hash_key(key)))
    text = yaml.safe_dump([k.model_dump() for k in keys], sort_keys=False, allow_unicode=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)  # a server reading it meanwhile sees the old file or the new one
    return key


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    team: str = "default"

    def may(self, role: Role) -> bool:
        """At least `role`: agent < lead < admin."""
        return ROLES.index(self.role) >= ROLES.index(role)


ANONYMOUS = Principal("anonymous", "admin")  # only when auth is explicitly disabled
# An unknown key re-reads a changed keys file at most this often (a key guesser must not
# turn into a file-system load).
FILE_CHECK_SECONDS = 1.0


class KeyRing:
    """Keys from the settings, the keys file and the database. A key added to the file
    (`assist keys new`) works at once: an unknown key re-reads the file if it changed;
    keys in the database arrive with the served state's poll (`set_stored`)."""

    def __init__(self, keys: list[ApiKey], file: Path | None = None):
        self._fixed = [k for k in keys]
        self._file = file
        self._file_keys: list[ApiKey] = []
        self._stored: list[ApiKey] = []
        self._file_stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._by_hash: dict[str, ApiKey] = {}
        if file is not None:
            self._reread_file(force=True)
        self._rebuild()

    @classmethod
    def from_settings(cls, settings: Settings, *, stored: bool = False) -> KeyRing:
        """`stored`: keys may also come from the database, so none configured yet is no
        reason to refuse to start."""
        ring = cls(list(settings.api_keys), settings.api_keys_file)
        if not len(ring) and not settings.auth_disabled and not stored:
            raise KeyConfigError(
                f"no API keys configured: create one with `assist keys new --name NAME "
                f"--role agent` (writes {settings.api_keys_file}), or set "
                "ASSIST_AUTH_DISABLED=true for a local demo"
            )
        return ring

    def __len__(self) -> int:
        return len(self._by_hash)

    def set_stored(self, keys: list[ApiKey]) -> None:
        """The database's active keys (a revoked key disappears with the next poll)."""
        with self._lock:
            if list(keys) != self._stored:  # polled every few seconds, rarely changed
                self._stored = list(keys)
                self._rebuild()

    def known(self, key: str) -> Principal | None:
        """`identify` without looking at the keys file: no I/O, for the event loop."""
        found = self._find(hash_key(key))
        return Principal(found.name, found.role, found.team) if found else None

    def identify(self, key: str) -> Principal | None:
        """The key's principal; a key not known yet is looked for in the keys file, read
        again if it changed (at most once per FILE_CHECK_SECONDS)."""
        found = self.known(key)
        if found is None and self._reread_file():
            found = self.known(key)
        return found

    def _find(self, digest: str) -> ApiKey | None:
        for known, api_key in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return api_key
        return None

    def _reread_file(self, *, force: bool = False) -> bool:
        """Whether the file changed (and was read again). A broken file keeps the keys
        read before: a half-edited file must not lock every agent out."""
        if self._file is None:
            return False
        now = time.monotonic()
        with self._lock:
            if not force and now - self._checked < FILE_CHECK_SECONDS:
                return False
            self._checked = now
            try:
                info = self._file.stat()
                stamp = (info.st_mtime_ns, info.st_size)
            except OSError:
                stamp = None
            if stamp == self._file_stamp and not force:
                return False
            try:
                self._file_keys = read_keys_file(self._file)
            except KeyConfigError:
                if force:
                    raise
                return False
            self._file_stamp = stamp
            self._rebuild()
            return True

    def _rebuild(self) -> None:
        by_hash = {}
        for key in (*self._stored, *self._file_keys, *self._fixed):  # settings win
            by_hash[key.sha256] = key
        self._by_hash = by_hash


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
