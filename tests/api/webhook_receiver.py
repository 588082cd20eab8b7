"""A local stand-in for the helpdesk's webhook: a threaded http.server that records
every POST and can fail, stall, or answer slowly, per conversation id."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    at: float  # time.time()
    key: str
    attempt: int
    body: dict[str, Any]
    outcome: str  # accepted | failed | stalled | duplicate


@dataclass
class Receiver:
    fail_first: dict[str, int] = field(default_factory=dict)  # conversation -> 500s
    stall: set[str] = field(default_factory=set)  # conversations whose first POST hangs
    delay: float = 0.0  # seconds before each answer
    requests: list[Received] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.handle(self, body)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # http.server's 5 drops concurrent senders' SYNs

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/followups"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        key = handler.headers.get("Idempotency-Key", "")
        attempt = int(handler.headers.get("X-Assist-Attempt", "0"))
        conversation = str(body.get("conversation_id"))
        with self._lock:
            if conversation in self.stall:
                self.stall.discard(conversation)
                outcome = "stalled"
            elif self.fail_first.get(conversation, 0) > 0:
                self.fail_first[conversation] -= 1
                outcome = "failed"
            elif key in self._accepted:
                outcome = "duplicate"  # answered 200, dropped: the key makes it safe
            else:
                self._accepted.add(key)
                outcome = "accepted"
            self.requests.append(Received(time.time(), key, attempt, body, outcome))
        if outcome == "stalled":
            self.stalled.set()
            self.release.wait(60)  # the sender is killed meanwhile: nobody reads this
        elif self.delay:
            time.sleep(self.delay)
        status = 500 if outcome == "failed" else 200
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.end_headers()
            handler.wfile.write(b'{"error": "down"}' if status == 500 else b'{"ok": true}')
        except OSError:
            pass

    def accepted(self) -> Counter[str]:
        with self._lock:
            return Counter(r.key for r in self.requests if r.outcome == "accepted")

    def of(self, conversation: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.body.get("conversation_id") == conversation]
