"""Fixtures for the alert tests: the project's kiwi tokenizer, a Redis prefix of the test's own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from assistant.text.tokenizer import KoreanTokenizer

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def tokenizer() -> KoreanTokenizer:
    tok = KoreanTokenizer()
    tok.load()
    return tok


@pytest.fixture()
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(url, prefix) on the Redis at 127.0.0.1:6379, the prefix's keys deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"test-alerts-{uuid.uuid4().hex[:8]}"
    yield REDIS_URL, prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
