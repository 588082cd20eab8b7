"""Delivering due follow-ups to the helpdesk: a lifespan task in every process.

Every `followup_poll_seconds`: refresh the open/overdue gauges, then (when
`followup_webhook_url` is set) claim due deliveries from the store's outbox and POST each
as JSON, concurrently, with an `Idempotency-Key: followup-<id>` header that is the same
on every attempt, so the receiver can drop a repeat. A 2xx marks it delivered; anything
else (an error status, a timeout, a refused connection) schedules a retry with backoff,
until `followup_max_attempts`. Exactly one replica holds a claim at a time (SKIP LOCKED
and a lease, store/followup_outbox.py); a replica killed mid-POST lets its lease run out
and another delivers. At least once, then: deduplicate on the key.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from urllib.parse import urlsplit

import httpx

from .. import __version__
from ..settings import Settings
from ..store.feedback import Store
from ..store.followup_outbox import Claim, default_sender
from .deps import bounded, poll_store
from .metrics import Metrics

log = logging.getLogger("assist")
MAX_SHOWN_BODY = 200


class FollowupSender:
    """Claims due follow-ups and POSTs them to one URL."""

    def __init__(
        self,
        store: Store,
        url: str,
        *,
        timeout: float = 10.0,
        lease_seconds: float = 60.0,
        retry_seconds: float = 30.0,
        max_attempts: int = 8,
        batch: int = 20,
        metrics: Metrics | None = None,
        sender: str | None = None,
    ):
        self.store, self.url, self.timeout = store, url, timeout
        self.lease_seconds, self.retry_seconds = lease_seconds, retry_seconds
        self.max_attempts, self.batch = max_attempts, batch
        self.metrics = metrics
        self.sender = sender or default_sender()
        # For logs: the receiver's address without a path or query that may hold a token.
        parts = urlsplit(url)
        self.shown_url = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    @classmethod
    def from_settings(
        cls, store: Store, settings: Settings, metrics: Metrics | None = None
    ) -> FollowupSender:
        assert settings.followup_webhook_url
        return cls(
            store,
            settings.followup_webhook_url,
            timeout=settings.followup_timeout_seconds,
            lease_seconds=settings.followup_lease_seconds,
            retry_seconds=settings.followup_retry_seconds,
            max_attempts=settings.followup_max_attempts,
            batch=settings.followup_batch,
            metrics=metrics,
        )

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Claim one batch and deliver it; returns how many were claimed."""
        claim = functools.partial(
            self.store.followups.claim_due,
            limit=self.batch,
            lease_seconds=self.lease_seconds,
            sender=self.sender,
        )
        claims = await bounded(self.store, claim)
        await asyncio.gather(*(self._deliver(client, c) for c in claims))
        return len(claims)

    async def _deliver(self, client: httpx.AsyncClient, claim: Claim) -> None:
        error = await self._post(client, claim)
        number = claim.followup.id
        try:
            if error is None:
                await bounded(self.store, lambda: self.store.followups.mark_delivered(claim))
                self._count("delivered")
                return
            await bounded(
                self.store,
                lambda: self.store.followups.mark_failed(
                    claim,
                    error,
                    retry_seconds=self.retry_seconds,
                    max_attempts=self.max_attempts,
                ),
            )
        except Exception as exc:  # the lease runs out and the delivery is retried
            log.error("follow-up %d: outcome not recorded (%s); it will be retried", number, exc)
            return
        if claim.attempt >= self.max_attempts:
            self._count("gave_up")
            log.error(
                "follow-up %d not delivered to %s after %d attempts, given up: %s",
                number,
                self.shown_url,
                claim.attempt,
                error,
            )
        else:
            self._count("failed")
            log.warning(
                "follow-up %d: attempt %d to %s failed (%s); retrying later",
                number,
                claim.attempt,
                self.shown_url,
                error,
            )

    async def _post(self, client: httpx.AsyncClient, claim: Claim) -> str | None:
        """None when the receiver took it (2xx), else what went wrong."""
        headers = {
            "Idempotency-Key": claim.idempotency_key,
            "X-Assist-Attempt": str(claim.attempt),
            "User-Agent": f"assist/{__version__}",
        }
        try:
            response = await client.post(
                self.url, json=claim.payload(), headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__
        if 200 <= response.status_code < 300:
            return None
        body = " ".join(response.text[:MAX_SHOWN_BODY].split())
        return f"HTTP {response.status_code}" + (f": {body}" if body else "")

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.followup_deliveries.labels(result).inc()


async def run_followups(store: Store, settings: Settings, metrics: Metrics | None = None) -> None:
    """The lifespan task: every `followup_poll_seconds`, refresh the gauges and, with a
    webhook URL, deliver what is due (a full batch is followed by another at once).
    A store outage is logged once and retried at the next poll; only cancellation ends
    it."""
    url = settings.followup_webhook_url
    sender = FollowupSender.from_settings(store, settings, metrics) if url else None
    if sender is not None:
        log.info("follow-ups due are delivered to %s", sender.shown_url)
    async with httpx.AsyncClient(follow_redirects=False) as client:

        async def step() -> None:
            if metrics is not None:
                counts = await bounded(store, store.followups.counts)
                metrics.set_followups(counts["open"], counts["overdue"])
            if sender is not None:
                while await sender.deliver_due(client) >= sender.batch:
                    pass

        await poll_store(
            store,
            settings.followup_poll_seconds,
            step,
            "follow-up delivery paused, the store failed",
            "follow-up delivery recovered",
        )
