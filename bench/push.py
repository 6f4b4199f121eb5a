"""Push latency: a final citizen utterance posted → its suggestion received by the counselor's connected
widget (``GET /v1/events``), on one machine.

Two ``assistant serve`` replicas share one PostgreSQL (a fresh database, dropped after) and one Redis stream.
A client holds the event stream open on one replica while utterances are posted to a call on replica A,
one at a time: to A itself (same replica) and across (the stream on B). The time counted is from just before
the POST to the moment the event is read, so it includes the advice itself (retrieval and the answer card);
the POST's own response time is printed beside it, and the difference is what the push adds.

    python -m bench.push                      # 30 utterances each way, 300 shipped entries
    python -m bench.push --utterances 10 --json
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from assistant.config import ROOT
from assistant.evals.metrics import percentile
from assistant.kb import importers
from bench.env import machine_facts
from bench.replicas import Replica, fresh_database, replica_pair
from bench.workspace import dev_queries, log

REDIS_URL = os.environ.get("ASSISTANT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TARGET_P95_MS = 300.0  # issue 11: utterance posted → suggestion shown, p95 on one machine


def listen(replica: Replica, token: str, arrived: queue.Queue[tuple[int, float]], ready: threading.Event,
           stop: threading.Event) -> None:
    """Hold the stream open; put (suggestion_id, perf_counter) for each suggestion event."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    with httpx.stream("GET", f"{replica.url}/v1/events", headers=headers, timeout=httpx.Timeout(60, connect=5)) as r:
        r.raise_for_status()
        kind = ""
        for line in r.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event:"):
                kind = line[6:].strip()
                if kind == "ready":
                    ready.set()
            elif line.startswith("data:") and kind == "suggestion":
                arrived.put((int(json.loads(line[5:])["suggestion_id"]), time.perf_counter()))


def run_way(writer: Replica, reader: Replica, token: str, questions: list[str]) -> dict[str, Any]:
    arrived: queue.Queue[tuple[int, float]] = queue.Queue()
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=listen, args=(reader, token, arrived, ready, stop), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the event stream did not open")
    headers = {"Authorization": f"Bearer {token}"}
    total, response, missed = [], [], 0
    with httpx.Client(timeout=60, headers=headers) as client:
        call = client.post(f"{writer.url}/v1/calls", json={"region": "서울특별시 강남구"}).json()["call_id"]
        for q in questions:
            t0 = time.perf_counter()
            r = client.post(f"{writer.url}/v1/calls/{call}/utterances",
                            json={"speaker": "citizen", "text": q, "final": True})
            t_resp = time.perf_counter()
            r.raise_for_status()
            sid = r.json()["suggestion_id"]
            try:
                while True:
                    got, at = arrived.get(timeout=5)
                    if got == sid:
                        break
            except queue.Empty:
                missed += 1
                continue
            total.append((at - t0) * 1000)
            response.append((t_resp - t0) * 1000)
    stop.set()
    push = [t - r for t, r in zip(total, response, strict=True)]
    return {"n": len(total), "missed": missed,
            "received_p50_ms": round(percentile(total, 50), 1), "received_p95_ms": round(percentile(total, 95), 1),
            "post_response_p50_ms": round(percentile(response, 50), 1),
            "post_response_p95_ms": round(percentile(response, 95), 1),
            "after_response_p50_ms": round(percentile(push, 50), 1),
            "after_response_p95_ms": round(percentile(push, 95), 1)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.push", description=__doc__.splitlines()[0])
    p.add_argument("--utterances", type=int, default=30, help="per direction")
    p.add_argument("--entries", type=int, default=300, help="how many shipped entries the KB holds")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    records = importers.read_kb_jsonl(ROOT / "knowledge_base" / "entries.jsonl")[:args.entries]
    questions = [q.question for q in dev_queries(quick=False) if any("가" <= c <= "힣" for c in q.question)]
    key = f"assistant-bench:{uuid.uuid4().hex}"
    settings = {"ASSISTANT_PUSH_STORAGE": REDIS_URL, "ASSISTANT_PUSH_KEY": key, "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
                "ASSISTANT_EVAL_ON_CHANGE": "false", "ASSISTANT_ALERTS_ENABLED": "false", "ASSISTANT_LOG_LEVEL": "WARNING"}
    result: dict[str, Any] = {"machine": machine_facts(), "storage": "redis stream", "target_p95_ms": TARGET_P95_MS}
    try:
        with tempfile.TemporaryDirectory(prefix="push-") as tmp, fresh_database() as url, \
                replica_pair(Path(tmp), url, records, **settings) as (a, b, token):
            log(f"replicas up: a={a.url} b={b.url}")
            n = args.utterances
            run_way(a, a, token, questions[:3])  # warm both processes' first requests
            run_way(a, b, token, questions[3:6])
            result["same_replica"] = run_way(a, a, token, questions[6:6 + n])
            result["across_replicas"] = run_way(a, b, token, questions[6 + n:6 + 2 * n])
    finally:
        import redis

        redis.Redis.from_url(REDIS_URL).delete(key)
    worst = max(result["same_replica"]["received_p95_ms"], result["across_replicas"]["received_p95_ms"])
    result["met"] = worst <= TARGET_P95_MS
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"push latency, utterance posted -> suggestion received ({result['storage']}, target p95 <= {TARGET_P95_MS:.0f} ms)")
    for way in ("same_replica", "across_replicas"):
        r = result[way]
        print(f"  {way:16s} n={r['n']:3d} missed={r['missed']}  received p50 {r['received_p50_ms']:6.1f} ms  "
              f"p95 {r['received_p95_ms']:6.1f} ms | POST answered p50 {r['post_response_p50_ms']:6.1f} "
              f"p95 {r['post_response_p95_ms']:6.1f} | after the answer p50 {r['after_response_p50_ms']:5.1f} "
              f"p95 {r['after_response_p95_ms']:5.1f}")
    print(f"  target met: {result['met']}")


if __name__ == "__main__":
    main()
