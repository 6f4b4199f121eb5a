"""400 counselors against two replicas sharing one PostgreSQL, on loopback.

    python -m bench.load                       # 400 counselors, 5 minutes, two replicas
    python -m bench.load --minutes 1 --counselors 100    # shorter
    python -m bench.load --json
    python -m bench.load --minutes 1 --baseline HEAD~3   # the same load on older code first, then the ratios

Each simulated counselor works like one in the 120 center: takes a call (opens it on the API with
the caller's district), hears a question, looks it up (search, then advice), reads the answer
(feedback: displayed, sometimes copied or thumbs), logs a transcript line or two (a final citizen
line brings fresh suggestions), and thinks between actions (exponential, mean ``--think`` seconds).
Requests alternate between the two replicas as a load balancer would. Printed: p50 / p95 / p99 per
route, the error count (by kind), throughput, and each replica's KB version at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from assistant.config import ROOT
from assistant.evals.metrics import percentile
from bench.env import machine_facts
from bench.replicas import fresh_database
from bench.service import Server
from bench.workspace import dev_queries, log


class Stats:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def summary(self, seconds: float) -> dict[str, Any]:
        n = sum(len(v) for v in self.ms.values())
        return {"seconds": round(seconds, 1), "requests": n, "throughput_rps": round(n / seconds, 1),
                "error_count": sum(self.errors.values()), "errors": dict(self.errors),
                "routes": {k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1),
                               "p95_ms": round(percentile(v, 95), 1), "p99_ms": round(percentile(v, 99), 1)}
                           for k, v in sorted(self.ms.items())}}


class Counselor:
    def __init__(self, i: int, clients: list[httpx.AsyncClient], questions: list[dict[str, Any]], stats: Stats,
                 think: float, deadline: float) -> None:
        self.i, self.clients, self.questions, self.stats = i, clients, questions, stats
        self.rng = random.Random(1000 + i)
        self.think, self.deadline, self.turn = think, deadline, i

    def client(self) -> httpx.AsyncClient:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)]

    async def call(self, route: str, method: str, url: str, **kw: Any) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        try:
            r = await self.client().request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.stats.errors[f"{route}: {type(exc).__name__}"] += 1
            return None
        self.stats.ms[route].append((time.perf_counter() - t0) * 1000)
        if r.status_code >= 400:
            self.stats.errors[f"{route}: HTTP {r.status_code}"] += 1
            return None
        return r.json()  # type: ignore[no-any-return]

    async def pause(self) -> bool:
        await asyncio.sleep(self.rng.expovariate(1.0 / self.think))
        return time.monotonic() < self.deadline

    async def run(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.think))  # counselors don't all start at once
        while time.monotonic() < self.deadline:
            q = self.rng.choice(self.questions)
            call = await self.call("POST /v1/calls", "POST", "/v1/calls", json={"region": q["region"]})
            if not await self.pause():
                return
            await self.call("POST /v1/search", "POST", "/v1/search", json={"question": q["question"], "region": q["region"]})
            answer = await self.call("POST /v1/advise", "POST", "/v1/advise",
                                     json={"question": q["question"], "region": q["region"]})
            if answer and answer.get("suggestion_id"):
                sid = answer["suggestion_id"]
                await self.call("POST /v1/feedback", "POST", "/v1/feedback", json={"suggestion_id": sid, "kind": "displayed"})
                if not await self.pause():
                    return
                kind = self.rng.choice(["copied", "thumbs_up", "thumbs_down", "clicked"])
                body: dict[str, Any] = {"suggestion_id": sid, "kind": kind}
                if kind == "thumbs_down":
                    body["reason"] = "incomplete"
                await self.call("POST /v1/feedback", "POST", "/v1/feedback", json=body)
            if call:
                if not await self.pause():
                    return
                cid = call["call_id"]
                await self.call("POST /v1/calls/{id}/utterances", "POST", f"/v1/calls/{cid}/utterances",
                                json={"speaker": "citizen", "text": q["question"], "final": True})
            if not await self.pause():
                return


async def drive(urls: list[str], token: str, questions: list[dict[str, Any]], counselors: int, seconds: float,
                think: float) -> dict[str, Any]:
    stats = Stats()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    clients = [httpx.AsyncClient(base_url=u, headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=limits)
               for u in urls]
    try:
        t0 = time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(Counselor(i, clients, questions, stats, think, deadline).run() for i in range(counselors)))
        return stats.summary(time.perf_counter() - t0)
    finally:
        for c in clients:
            await c.aclose()


def render(r: dict[str, Any]) -> str:
    lines = [f"load: {r['counselors']} counselors, {len(r['replicas'])} replicas on one PostgreSQL, "
             f"{r['result']['seconds']} s, think time mean {r['think_s']} s ({r['code']})",
             f"{r['result']['requests']} requests = {r['result']['throughput_rps']} rps; "
             f"errors {r['result']['error_count']} {r['result']['errors'] or ''}"]
    for route, m in r["result"]["routes"].items():
        lines.append(f"  {route:<32} n={m['n']:<6} p50 {m['p50_ms']:>7.1f}  p95 {m['p95_ms']:>7.1f}  p99 {m['p99_ms']:>7.1f} ms")
    search = r["result"]["routes"].get("POST /v1/search", {}).get("p95_ms")
    ok = search is not None and search <= 300 and r["result"]["error_count"] == 0
    lines.append(f"target (issue 5): zero errors and search p95 ≤ 300 ms: {'met' if ok else 'NOT met'}")
    lines.append(f"replicas' KB versions at the end: {r['kb_versions']}")
    return "\n".join(lines)


def render_comparison(base: dict[str, Any], now: dict[str, Any]) -> str:
    """Per route: the baseline's and this code's p50 / p95 / p99, and this code's as a share of the baseline's."""
    lines = [f"this code against {base['code']} (run just before it, same load):"]
    b_routes, n_routes = base["result"]["routes"], now["result"]["routes"]
    for route in sorted(set(b_routes) & set(n_routes)):
        cells = []
        for p in ("p50_ms", "p95_ms", "p99_ms"):
            b, n = b_routes[route][p], n_routes[route][p]
            cells.append(f"{p[:3]} {b:>6.1f} → {n:>6.1f} ({n / b if b else float('nan'):.2f}×)")
        lines.append(f"  {route:<32} " + "  ".join(cells))
    lines.append(f"  throughput {base['result']['throughput_rps']} → {now['result']['throughput_rps']} rps; "
                 f"errors {base['result']['error_count']} → {now['result']['error_count']}")
    return "\n".join(lines)


def run_load(args: argparse.Namespace, questions: list[dict[str, Any]], code: str,
             source: Path | None = None) -> dict[str, Any]:
    """Two replicas on a fresh PostgreSQL database, the counselors against them, then everything stopped.
    ``source``: a checkout whose ``assistant`` package the replicas run instead of this one."""
    env = {"PYTHONPATH": str(source)} if source else {}
    servers: list[Server] = []
    with fresh_database() as url, tempfile.TemporaryDirectory(prefix="assistant-load-") as tmp:
        try:
            for i in range(2):
                servers.append(Server(Path(tmp) / f"replica{i}", database_url=url, **env))
                (Path(tmp) / f"replica{i}").mkdir()
            log(f"{code}: replica 1: setup (imports the shipped KB into PostgreSQL, builds its index)")
            servers[0].start()
            log(f"{code}: replica 2: setup (finds the KB there, builds its own index)")
            servers[1].start(token=servers[0].token)
            log(f"{code}: {args.counselors} counselors for {args.minutes:g} min")
            result = asyncio.run(drive([s.url for s in servers], servers[0].token, questions, args.counselors,
                                       args.minutes * 60, args.think))
            versions = [httpx.get(f"{s.url}/metrics", timeout=10).text for s in servers]
            kb = [next((line.split()[-1] for line in v.splitlines() if line.startswith("assistant_index_kb_version")), "?")
                  for v in versions]
            return {"machine": machine_facts(), "code": code, "counselors": args.counselors, "think_s": args.think,
                    "replicas": [s.url for s in servers], "result": result, "kb_versions": kb}
        finally:
            for s in servers:
                s.stop()


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """A temporary git worktree of ``rev`` (the baseline's code and shipped data), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="assistant-baseline-") as tmp:
        path = Path(tmp) / "checkout"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), rev], cwd=ROOT, check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--counselors", type=int, default=400)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--think", type=float, default=20.0, help="mean seconds between a counselor's actions")
    p.add_argument("--baseline", metavar="REV", help="first run the same load on this git revision's code "
                   "(a temporary worktree), then on this code, and print both and the ratios per route")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    questions = [{"question": q.question, "region": q.region} for q in dev_queries(False)]
    runs = []
    if args.baseline:
        with checkout(args.baseline) as source:
            runs.append(run_load(args, questions, f"baseline {args.baseline}", source))
    runs.append(run_load(args, questions, "this code"))
    if args.json:
        print(json.dumps(runs[-1] if len(runs) == 1 else {"baseline": runs[0], "now": runs[1]},
                         ensure_ascii=False, indent=1))
        return
    print("\n\n".join(render(r) for r in runs))
    if len(runs) == 2:
        print("\n" + render_comparison(*runs))


if __name__ == "__main__":
    sys.exit(main())
