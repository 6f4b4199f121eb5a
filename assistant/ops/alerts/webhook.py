"""POST each new alert as JSON to a configured URL, from a background thread.

``send`` only puts the alert on a bounded queue, so no request ever waits for the receiver. A
failed or timed-out POST is retried with exponential backoff (``backoff``, 2×, 4×, … capped at
``max_backoff``) up to ``attempts`` times, then dropped and counted (``failed``); a full queue drops
the new alert and counts it too. The receiver should treat the alert id as the idempotency key: a
POST that timed out after it was received is sent again.

>>> hook = WebhookSender("http://127.0.0.1:9/alerts")   # doctest: +SKIP
>>> hook.start(); hook.send({"id": 1, "topic": "단수"})   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import httpx

log = logging.getLogger(__name__)


class WebhookSender:
    """A single worker thread that delivers alerts in order."""

    def __init__(self, url: str, *, timeout: float = 2.0, attempts: int = 5, backoff: float = 0.5,
                 max_backoff: float = 30.0, queue_size: int = 1000) -> None:
        self.url, self.timeout, self.attempts = url, timeout, attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.sent = self.failed = self.dropped = self.retries = 0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, payload: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            self.dropped += 1
            log.error("alert webhook: queue full, alert %s not sent", payload.get("id"))

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alert-webhook", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def join(self) -> None:
        """Wait until everything queued so far was delivered or given up on (tests)."""
        self._queue.join()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                payload = self._queue.get()
                try:
                    if payload is None:
                        return
                    self._deliver(client, payload)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, payload: dict[str, Any]) -> None:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                r = client.post(self.url, json=payload)
                if r.status_code < 500 and r.status_code != 429:
                    if r.is_success:
                        self.sent += 1
                    else:  # a 4xx other than 429 will not get better by sending it again
                        self.failed += 1
                        log.error("alert webhook refused alert %s: HTTP %s", payload.get("id"), r.status_code)
                    return
                reason = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            if attempt == self.attempts or self._stop.wait(delay):
                break
            self.retries += 1
            log.warning("alert webhook: attempt %d for alert %s failed (%s), retrying in %.1f s",
                        attempt, payload.get("id"), reason, delay)
            delay = min(delay * 2, self.max_backoff)
        self.failed += 1
        log.error("alert webhook: alert %s not delivered", payload.get("id"))
