"""Answers served, recorded off the request path.

/v1/suggest hands each answer to `AnswerWriter.record`, which only appends it to a
bounded in-memory queue (a full queue drops it, counted in /metrics: a slow database
never slows suggestions). A background thread writes the queue in batches every
`answers_flush_seconds`, deletes kept unmatched messages past their retention, and
writes what is left when the app shuts down. Feedback naming an answer still in the
queue writes the queue first (`ensure_written`), so a fast `shown` is never refused.

The writer also remembers the texts recent answers showed, for the edit distance of
an `inserted` (`shown_text`); an answer served by another replica (or before a
restart) falls back to its wording in the served index, slots unfilled.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..core.render import render
from ..core.suggest import Result
from ..settings import Settings
from ..store.answers import Answer, new_answer_id
from ..store.feedback import Store, StoreUnavailable
from .metrics import Metrics
from .state import Service

log = logging.getLogger("assist")

BATCH = 500  # rows per INSERT
TEXTS_KEPT = 10_000  # recent answers whose suggestion texts are remembered
RETENTION_CHECK_SECONDS = 3600.0
MAX_GRACE = 2.0


class AnswerWriter:
    def __init__(self, store: Store, settings: Settings, metrics: Metrics):
        self.store = store
        self.metrics = metrics
        self.queue_size = settings.answers_queue_size
        self.flush_seconds = settings.answers_flush_seconds
        self.keep_unmatched = settings.keep_unmatched
        self.retention = timedelta(days=settings.unmatched_retention_days)
        self._queue: deque[Answer] = deque()
        self._pending: set[str] = set()  # queued, or being written
        self._texts: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()  # the queue, pending ids and texts
        self._writing = threading.Lock()  # one batch write at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self._next_retention = 0.0

    # ------------------------------------------------------------------ request path

    def record(
        self, result: Result, *, key_name: str, team: str, conversation_id: str, message: str
    ) -> str:
        """Queue one answer; returns its id. Never waits on the database."""
        kept = self.keep_unmatched and result.match != "confident"
        answer = Answer(
            id=new_answer_id(),
            created_at=datetime.now(UTC),
            key_name=key_name,
            team=team,
            conversation_id=conversation_id,
            lang=result.signals.lang,
            mood=result.signals.mood,
            match=result.match,
            best_score=result.best_score,
            top_entry_id=result.suggestions[0].entry_id if result.suggestions else None,
            suggestion_ids=tuple(s.id for s in result.suggestions),
            index_version=result.index_version,
            message=message if kept else None,  # masked by the store, in the writer thread
        )
        texts = {s.id: s.text for s in result.suggestions}
        with self._lock:
            self._texts[answer.id] = texts
            if len(self._texts) > TEXTS_KEPT:
                self._texts.popitem(last=False)
            if len(self._queue) >= self.queue_size:
                full = True
            else:
                full = False
                self._queue.append(answer)
                self._pending.add(answer.id)
        if full:
            self.metrics.answers_dropped.labels("queue_full").inc()
        return answer.id

    def shown_text(self, answer_id: str, suggestion_id: str) -> str | None:
        with self._lock:
            return self._texts.get(answer_id, {}).get(suggestion_id)

    def ensure_written(self, answer_id: str | None) -> None:
        """Write the queue now if `answer_id` is still in it (or being written)."""
        if answer_id is None:
            return
        with self._lock:
            pending = answer_id in self._pending
        if pending:
            self.flush()

    # ------------------------------------------------------------------ writing

    def flush(self) -> int:
        """Write everything queued, in batches; returns how many rows were written. A
        database that is down gets the batch back in the queue (room permitting)."""
        written = 0
        with self._writing:
            with self._lock:
                batch = list(self._queue)
                self._queue.clear()
            for start in range(0, len(batch), BATCH):
                chunk = batch[start : start + BATCH]
                try:
                    self.store.answers.add_many(chunk)
                except StoreUnavailable as exc:
                    self._requeue(batch[start:], exc)
                    return written
                except Exception:  # a row the database refuses: drop it, keep the writer
                    log.exception("answers not recorded: %d dropped", len(chunk))
                    self.metrics.answers_dropped.labels("error").inc(len(chunk))
                self._done(chunk)
                written += len(chunk)
            if written:
                self.metrics.answers_written.inc(written)
            if self._failing and batch:
                log.warning("answers are recorded again")
                self._failing = False
        return written

    def _done(self, chunk: Sequence[Answer]) -> None:
        with self._lock:
            self._pending.difference_update(a.id for a in chunk)

    def _requeue(self, failed: list[Answer], exc: Exception) -> None:
        if not self._failing:
            log.error("answers not recorded yet, kept in memory: %s", exc)
            self._failing = True
        with self._lock:
            room = max(0, self.queue_size - len(self._queue))
            kept, lost = failed[len(failed) - room :] if room else [], failed[: len(failed) - room]
            self._queue.extendleft(reversed(kept))
            self._pending.difference_update(a.id for a in lost)
        if lost:
            self.metrics.answers_dropped.labels("store_unavailable").inc(len(lost))

    def delete_expired(self, now: datetime | None = None) -> int:
        """Kept unmatched messages older than the retention period go."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        deleted = self.store.answers.delete_unmatched_before(cutoff)
        if deleted:
            log.info("deleted %d unmatched messages past their retention", deleted)
        return deleted

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="assist-answers", daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Stop the thread after it wrote what is queued (bounded by `timeout`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self._tick()
        self._tick(final=True)

    def _tick(self, final: bool = False) -> None:
        try:
            self.flush()
            if final or not self.store.ready:
                return
            now = datetime.now(UTC)
            if now.timestamp() >= self._next_retention:
                self._next_retention = now.timestamp() + RETENTION_CHECK_SECONDS
                self.delete_expired(now)
        except Exception:  # the thread must outlive any one failure
            log.exception("answer writer")


def answer_grace(settings: Settings) -> float:
    """How long a `shown` waits for an answer no replica has written yet: two of the
    writers' flush periods and a margin for the batch's own time, at most MAX_GRACE
    (a refused event must not hold a request long)."""
    return min(MAX_GRACE, 2 * settings.answers_flush_seconds + 0.5)


def template_text(service: Service, suggestion_id: str) -> str | None:
    """A suggestion's wording in the served index, its slots unfilled: the text as shown
    when the answer's own is no longer remembered here."""
    suggester = service.suggester
    parts = suggestion_id.split("/")
    if suggester is None or len(parts) != 4 or not parts[3].isdigit():
        return None
    entry = suggester.index.entries.get(parts[0])
    reply = next((r for r in entry.replies if r.id == parts[1]), None) if entry else None
    wordings = reply.get(parts[2]) if reply else None
    variant = int(parts[3])
    if not wordings or variant >= len(wordings):
        return None
    return render(wordings[variant], {}).text
