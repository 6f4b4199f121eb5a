"""The webhook on loopback, with a real HTTP server: retried with backoff, never blocking the sender."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.ops.alerts.webhook import WebhookSender

pytestmark = pytest.mark.integration


class Receiver:
    """Answers 503 to the first ``fail`` POSTs (or sleeps ``stall`` seconds before answering), then 204."""

    def __init__(self, fail: int = 0, stall: float = 0.0) -> None:
        self.fail, self.stall = fail, stall
        self.bodies: list[dict] = []
        self.times: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.times.append(time.monotonic())
                if receiver.stall:
                    time.sleep(receiver.stall)
                if len(receiver.times) <= receiver.fail:
                    self.send_response(503)
                else:
                    receiver.bodies.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver(request) -> Iterator[Receiver]:
    r = Receiver(**getattr(request, "param", {}))
    yield r
    r.close()


@pytest.mark.parametrize("receiver", [{"fail": 2}], indirect=True)
def test_a_failing_receiver_gets_the_alert_after_retries_with_growing_pauses(receiver):
    hook = WebhookSender(receiver.url, timeout=2, attempts=4, backoff=0.2)
    hook.start()
    hook.send({"id": 7, "topic": "단수", "region": "서울특별시 강남구"})
    hook.join()
    hook.stop()
    assert receiver.bodies == [{"id": 7, "topic": "단수", "region": "서울특별시 강남구"}]
    assert (hook.sent, hook.retries, hook.failed) == (1, 2, 0)
    gaps = [b - a for a, b in zip(receiver.times, receiver.times[1:], strict=False)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # backoff doubles


@pytest.mark.parametrize("receiver", [{"stall": 1.0}], indirect=True)
def test_a_receiver_that_times_out_never_blocks_send_and_is_given_up_on(receiver):
    hook = WebhookSender(receiver.url, timeout=0.2, attempts=2, backoff=0.05)
    hook.start()
    t0 = time.perf_counter()
    for i in range(3):
        hook.send({"id": i})
    assert time.perf_counter() - t0 < 0.05  # sending only queues
    hook.join()
    hook.stop()
    assert hook.failed == 3 and hook.sent == 0 and len(receiver.times) == 6
