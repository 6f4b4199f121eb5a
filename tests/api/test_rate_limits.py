"""Rate limits over the real Redis on 127.0.0.1:6379: workers (separate app instances, each with its own
limiter) share one budget per token when ``rate_limit_storage`` names Redis, count their own without
it, and a Redis outage leaves the service up, counting per process."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import RateLimiter
from assistant.errors import RateLimited
from tests.conftest import token_for

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 4


def _reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not _reachable(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return REDIS_URL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server of the test's own on a free port, to stop and start again (an outage)."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = _free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not _reachable(self.url):
            assert self.proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


@pytest.fixture()
def own_redis(tmp_path: Path, redis_url: str) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def workers(built_runtime, n: int = 2, **settings: object) -> tuple[ExitStack, list[TestClient]]:
    """``n`` app instances over one database, as ``assistant serve --workers n`` runs them."""
    s = built_runtime.settings.model_copy(update={"rate_limit_per_minute": LIMIT, **settings})
    stack = ExitStack()
    return stack, [stack.enter_context(TestClient(create_app(s, runtime=built_runtime))) for _ in range(n)]


def served(clients: list[TestClient], token: str, rounds: int) -> list[int]:
    """Status codes of ``rounds`` requests, going round the workers."""
    h = {"Authorization": f"Bearer {token}"}
    return [clients[i % len(clients)].get("/v1/me", headers=h).status_code for i in range(rounds)]


def test_two_workers_share_one_budget_in_redis(built_runtime, redis_url):
    token = token_for(built_runtime, "counselor")
    stack, clients = workers(built_runtime, rate_limit_storage=redis_url, rate_limit_prefix=f"t-{uuid.uuid4().hex}")
    with stack:
        assert all(c.app.state.rate_limiter.shared for c in clients)
        codes = served(clients, token, 2 * LIMIT)
    assert codes == [200] * LIMIT + [429] * LIMIT, "the budget is the token's, whichever worker serves it"


def test_without_the_setting_each_worker_counts_its_own(built_runtime):
    token = token_for(built_runtime, "counselor")
    stack, clients = workers(built_runtime, rate_limit_storage="")
    with stack:
        assert not any(c.app.state.rate_limiter.shared for c in clients)
        codes = served(clients, token, 2 * LIMIT + 2)
    assert codes == [200] * (2 * LIMIT) + [429, 429], "in memory: each worker has the whole budget"


def test_a_dead_redis_leaves_the_service_up_counting_per_process(built_runtime, caplog):
    caplog.set_level(logging.WARNING, logger="assistant.api.security")
    token = token_for(built_runtime, "counselor")
    dead = f"redis://:secret@127.0.0.1:{_free_port()}/0"
    stack, (client,) = workers(built_runtime, 1, rate_limit_storage=dead)
    with stack:
        codes = served([client], token, LIMIT + 1)
        assert client.get("/readyz").status_code == 200
        metrics = client.get("/metrics").text
    assert codes == [200] * LIMIT + [429], "fails open to this process's own count"
    warnings = [r.getMessage() for r in caplog.records if "rate limit storage" in r.getMessage()]
    assert len(warnings) == 1 and "unreachable" in warnings[0] and "secret" not in warnings[0]
    errors = next(line for line in metrics.splitlines() if line.startswith("assistant_rate_limit_storage_errors_total"))
    assert float(errors.split()[-1]) >= 1


def test_an_outage_in_the_middle_falls_back_and_recovers(own_redis, caplog):
    caplog.set_level(logging.WARNING, logger="assistant.api.security")
    prefix = f"t-{uuid.uuid4().hex}"
    # retry_seconds=0: every check tries Redis again, so the test needs no clock
    a, b = (RateLimiter(LIMIT, own_redis.url, prefix=prefix, retry_seconds=0) for _ in range(2))
    a.check("tok"), b.check("tok")
    own_redis.stop()
    for _ in range(LIMIT):  # Redis is gone: a's own count starts from nothing; nothing is refused for the outage
        a.check("tok")
    with pytest.raises(RateLimited):
        a.check("tok")
    assert a.storage_errors == LIMIT + 1 and b.storage_errors == 0
    own_redis.start()  # back (empty: this Redis keeps nothing on disk): shared counting resumes
    a.check("tok"), b.check("tok")
    assert a.storage_errors == LIMIT + 1, "Redis answers again"
    for _ in range(LIMIT - 2):
        b.check("tok")
    with pytest.raises(RateLimited):
        a.check("tok")
    messages = [r.getMessage() for r in caplog.records if "rate limit storage" in r.getMessage()]
    assert [("unreachable" in m, "is back" in m) for m in messages] == [(True, False), (False, True)]
