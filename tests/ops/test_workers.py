"""`assistant serve --workers 2` on SQLite: both worker processes serve, and an edit made through one
is found through every worker within seconds (each follows the database like a replica)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.ops.helpers import assistant, cli_env, free_port, run, small_kb

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_two_workers_serve_and_each_finds_an_edit_made_through_the_other(tmp_path, subset_records):
    kb = small_kb(tmp_path / "kb", subset_records)
    env = cli_env(f"sqlite:///{tmp_path / 'kb.db'}", tmp_path, kb, ASSISTANT_SYNC_POLL_SECONDS="0.5",
                  ASSISTANT_EVAL_ON_CHANGE="false", ASSISTANT_LOG_LEVEL="WARNING")
    assert run("setup", env=env).returncode == 0
    token = run("token", "create", "--role", "editor", "--name", "w", env=env).stdout.strip()
    port = free_port()
    server = assistant("serve", "--port", str(port), "--workers", "2", env=env)
    url, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        entry = httpx.get(f"{url}/v1/entries", params={"region": "서울특별시 강남구", "limit": 1},
                          headers=headers, timeout=10).json()["data"][0]
        edited = httpx.patch(f"{url}/v1/entries/{entry['entry_id']}", headers=headers, timeout=30, json={
            "expected_version": entry["version"], "content": "강남구 야간 반려식물 상담 창구를 운영합니다."})
        assert edited.status_code == 200, edited.text
        # connections are spread over the workers: from at most 5 s after the edit, every answer shows it
        t_edit = time.monotonic()
        deadline = t_edit + 60
        fresh_in_a_row, seen = 0, []
        while fresh_in_a_row < 8:
            assert time.monotonic() < deadline, f"some worker still serves the old version: {seen}"
            with httpx.Client(base_url=url, headers=headers, timeout=10) as client:  # a new connection each time
                hit = client.post("/v1/search", json={"question": "야간 반려식물 상담 창구",
                                                      "region": "서울특별시 강남구", "top_k": 1}).json()["hits"][0]
            seen.append((round(time.monotonic() - t_edit, 2), hit["version"]))
            fresh_in_a_row = fresh_in_a_row + 1 if hit["version"] == entry["version"] + 1 else 0
            time.sleep(0.1)
        streak_began = seen[-8][0]
        assert streak_began <= 5.0, f"the edit reached every worker only {streak_began} s after it was made: {seen}"
    finally:
        server.terminate()
        server.wait(timeout=30)
