"""Where built ONNX graphs live, and how a session is opened on one.

A graph is derived from an installed model file, so it is built once and cached under a key
of everything that could change its bytes: the source file's sha256, the onnxruntime version
(contrib operators evolve) and the builder's own version. Workers that start together may
race to build; each writes a private temporary file and renames it into place, so a reader
never sees half a graph.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ...errors import EmbedderUnavailable

if TYPE_CHECKING:
    import onnxruntime

CACHE_ENV = "ASSIST_ONNX_CACHE"
T = TypeVar("T")
R = TypeVar("R")


def cache_root() -> Path:
    """$ASSIST_ONNX_CACHE, else $XDG_CACHE_HOME/assist/onnx, else ~/.cache/assist/onnx."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assist" / "onnx"


@lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The file's sha256, computed once per process for an unchanged file."""
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def runtime_version() -> str:
    try:
        import onnxruntime
    except ImportError as exc:
        raise EmbedderUnavailable("the onnx engine needs `pip install onnxruntime`") from exc
    return str(onnxruntime.__version__)


def cached_graph(source: Path, kind: str, build: Callable[[Path], None]) -> Path:
    """The graph built from `source` by `build(target)`, building it only if it is missing.

    `kind` names the builder and its version (e.g. "e5-mnb4-v1"): bump it whenever the
    builder would write different bytes.
    """
    key = f"{kind}-{file_sha256(source)[:16]}-ort{runtime_version()}"
    target = cache_root() / key / "model.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=".building-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        build(Path(partial))
        os.chmod(partial, 0o644)  # mkstemp's 0600 would lock out a server run as another user
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def new_session(
    path: Path, threads: int = 1, spinning: bool = False
) -> onnxruntime.InferenceSession:
    """A CPU session with `threads` intra-op threads.

    Spinning thread-pool waiters burn the core a neighbour (another request, a reindex, a
    second worker) needs; with them off, latency under contention stays near the quiet
    figure (DESIGN.md, "ONNX Runtime path for e5").
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    flag = "1" if spinning else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", flag)
    options.add_session_config_entry("session.inter_op.allow_spinning", flag)
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # a runtime without the contrib ops, a damaged cache file
        raise EmbedderUnavailable(f"onnxruntime could not load {path}: {exc}") from exc


class SessionSet:
    """Sessions every caller shares, and a way to spread one big call over the cores.

    `InferenceSession.run` is thread-safe and releases the GIL; with one intra-op thread it
    computes on the caller's own thread. So concurrent requests run side by side on a single
    session: measured here, 2 threads on one session embed as fast as 2 threads on a session
    each (395 vs 408 texts/s), in 40 MB less. More sessions are a choice, not a lock.
    """

    def __init__(self, open_one: Callable[[], onnxruntime.InferenceSession], count: int = 1):
        self._sessions = [open_one() for _ in range(max(1, count))]
        self._turn = itertools.count()  # next() is atomic under the GIL
        self._spread: ThreadPoolExecutor | None = None
        self._spread_lock = threading.Lock()

    def pick(self) -> onnxruntime.InferenceSession:
        return self._sessions[next(self._turn) % len(self._sessions)]

    def map(self, run: Callable[[onnxruntime.InferenceSession, T], R], items: list[T]) -> list[R]:
        """`run(session, item)` for every item, in order; a reindex-sized call spreads over
        every core (one session with one thread would use one core of two)."""
        if len(items) < 2:
            return [run(self.pick(), item) for item in items]
        with self._spread_lock:
            if self._spread is None:
                self._spread = ThreadPoolExecutor(os.cpu_count() or 1, "assist-onnx")
        return list(self._spread.map(lambda item: run(self.pick(), item), items))
