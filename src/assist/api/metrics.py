"""HTTP edge: Prometheus metrics, in a registry per app (tests build many apps)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

_BUCKETS = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "assist_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route", "method", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.suggestions = Counter(
            "assist_suggestions_total", "Suggestions served", registry=self.registry
        )
        self.suggest_requests = Counter(
            "assist_suggest_requests_total",
            "Suggest answers, by whether anything matched",
            ["result"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "assist_index_reloads_total", "Index reloads", ["result"], registry=self.registry
        )
        self.answers_written = Counter(
            "assist_answers_written_total",
            "Suggest answers recorded in the store by this process's background writer",
            registry=self.registry,
        )
        self.answers_dropped = Counter(
            "assist_answers_dropped_total",
            "Suggest answers not recorded: queue_full (the writer fell behind), "
            "store_unavailable (no room left to keep them), error (refused by the database)",
            ["reason"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "assist_rate_limited_total", "Requests refused with 429", registry=self.registry
        )
        # Refreshed by each process's follow-up task: every replica reports the same
        # shared numbers (aggregate with max, not sum).
        self.followups_open = Gauge(
            "assist_followups_open", "Open follow-ups", registry=self.registry
        )
        self.followups_overdue = Gauge(
            "assist_followups_overdue",
            "Open follow-ups past their due time",
            registry=self.registry,
        )
        self.followup_deliveries = Counter(
            "assist_followup_deliveries_total",
            "Follow-up webhook POSTs by this process: delivered, failed (retried later), "
            "gave_up (after the last attempt)",
            ["result"],
            registry=self.registry,
        )
        self.index = Gauge(
            "assist_index_info",
            "The index version being served (value 1)",
            ["version"],
            registry=self.registry,
        )

    def set_followups(self, open_: int, overdue: int) -> None:
        self.followups_open.set(open_)
        self.followups_overdue.set(overdue)

    def count_suggest(self, suggestions: int, no_match: bool) -> None:
        self.suggestions.inc(suggestions)
        self.suggest_requests.labels("no_match" if no_match else "match").inc()

    def set_index(self, version: str | None) -> None:
        self.index.clear()
        if version:
            self.index.labels(version).set(1)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Times every HTTP request and labels it by route template, not raw path, so
    random URLs can't blow up the label set."""

    def __init__(self, app: Any, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(route, scope["method"], str(status)).observe(
                time.perf_counter() - started
            )
