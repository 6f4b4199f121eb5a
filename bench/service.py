"""Load on the HTTP service: latency per route under concurrency, time to the first streamed event,
throughput and errors, against a real ``assistant serve`` process on loopback.

    python -m bench.service                 # shipped KB, 16 clients, 20 s per phase
    python -m bench.service --quick         # 8 s per phase (CI)
    python -m bench.service --json

Phases (the load generator runs in this process, the server in its own; both share the 2 cores, so
every figure is pessimistic for a real deployment, where counselors' browsers are elsewhere):
1. baseline: one client, one request at a time: the latency floor every ratio refers to;
2. open loop: requests arrive at ``--rate`` per second (Poisson) over ``--clients`` connections;
   latency is measured from each request's scheduled time, so a slow server cannot hide queueing;
3. closed loop: ``--clients`` clients send back to back: the most the service sustains.
The mix is what a side panel sends: search, advice as JSON, advice streamed (first event and end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

from assistant.evals.metrics import percentile
from bench.env import machine_facts
from bench.replicas import free_port
from bench.workspace import dev_queries, log

MIX = (("search", 0.5), ("advise", 0.3), ("advise_sse", 0.2))
TARGETS = {  # issue 3: /v1/search p95 ≤ 100 ms, first event ≤ 300 ms, whole extractive answer ≤ 500 ms, ≥ 40 rps
    "search_p95_ms": 100.0, "first_event_p95_ms": 300.0, "advise_p95_ms": 500.0, "throughput_rps": 40.0,
}


class Server:
    """``assistant setup`` then ``assistant serve`` in a temp dir, with tokens for the load."""

    def __init__(self, workdir: Path, database_url: str | None = None, workers: int = 1, **env: str) -> None:
        self.workdir, self.workers = workdir, workers
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url or f"sqlite:///{workdir / 'kb.db'}",
                    "ASSISTANT_INDEX_DIR": str(workdir / "index"),
                    "ASSISTANT_EMBEDDING_CACHE_DIR": str(workdir / "embeddings"),
                    "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0", "ASSISTANT_LOG_LEVEL": "WARNING",
                    "ASSISTANT_EVAL_ON_CHANGE": "false",
                    # the load repeats the dev questions: measure every query as if new (no query vector cache)
                    "ASSISTANT_QUERY_CACHE_SIZE": "0", **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""

    def _cli(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=self.env, check=True,
                             capture_output=True, text=True, timeout=600)
        return out.stdout.strip()

    def start(self, token: str | None = None) -> None:
        t0 = time.perf_counter()
        self._cli("setup")
        self.token = token or self._cli("token", "create", "--role", "counselor", "--name", "bench").splitlines()[-1]
        log(f"setup {time.perf_counter() - t0:.1f} s; serving on 127.0.0.1:{self.port}")
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(self.port),
                                      "--workers", str(self.workers)],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            time.sleep(0.5)
        raise RuntimeError("server not ready after 180 s")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server process and its worker processes so far (Linux /proc)."""
        if self.proc is None:
            return 0.0
        main, total, tick = self.proc.pid, 0.0, os.sysconf("SC_CLK_TCK")
        try:
            children = [int(c) for c in Path(f"/proc/{main}/task/{main}/children").read_text().split()]
        except OSError:
            children = []
        for pid in [main, *children]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Recorder:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.count = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        routes = {k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1),
                      "p99_ms": round(percentile(v, 99), 1)} for k, v in sorted(self.ms.items())}
        return {"seconds": round(seconds, 1), "requests": self.count,
                "throughput_rps": round(self.count / seconds, 1) if seconds else 0.0,
                "errors": dict(self.errors), "error_count": sum(self.errors.values()), "routes": routes}


async def one_request(client: httpx.AsyncClient, kind: str, q: dict[str, Any], rec: Recorder, start: float) -> None:
    body = {"question": q["question"], "region": q["region"], "top_k": 5}
    try:
        if kind == "advise_sse":
            first = None
            async with client.stream("POST", "/v1/advise", json=body, headers={"Accept": "text/event-stream"}) as r:
                if r.status_code != 200:
                    raise httpx.HTTPStatusError(str(r.status_code), request=r.request, response=r)
                async for line in r.aiter_lines():
                    if first is None and line.startswith("event:"):
                        first = time.perf_counter()
                        rec.ms["advise_first_event"].append((first - start) * 1000)
            rec.ms["advise_sse_done"].append((time.perf_counter() - start) * 1000)
        else:
            r = await client.post("/v1/search" if kind == "search" else "/v1/advise", json=body)
            if r.status_code != 200:
                raise httpx.HTTPStatusError(str(r.status_code), request=r.request, response=r)
            rec.ms[kind].append((time.perf_counter() - start) * 1000)
        rec.count += 1
    except httpx.HTTPError as exc:
        rec.errors[f"{kind}: {type(exc).__name__} {exc}"[:80]] += 1


def pick(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for kind, share in MIX:
        acc += share
        if x < acc:
            return kind
    return MIX[-1][0]


def client_for(server: Server, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"},
                             timeout=30, limits=httpx.Limits(max_connections=connections,
                                                            max_keepalive_connections=connections))


async def baseline(server: Server, questions: list[dict[str, Any]], n: int) -> dict[str, Any]:
    rec = Recorder()
    async with client_for(server, 1) as client:
        for i in range(n):
            for kind, _ in MIX:
                await one_request(client, kind, questions[i % len(questions)], rec, time.perf_counter())
    return rec.summary(1.0)["routes"]


def per_request(cpu_seconds: float, requests: int) -> float:
    return round(cpu_seconds * 1000 / requests, 1) if requests else 0.0


def with_server_cpu(server: Server, phase: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run a loaded phase; its summary gains the server's CPU milliseconds per request served."""
    cpu0 = server.cpu_seconds()
    summary = asyncio.run(phase)
    summary["server_cpu_ms_per_request"] = per_request(server.cpu_seconds() - cpu0, summary["requests"])
    return summary


async def cpu_per_route(server: Server, questions: list[dict[str, Any]], n: int) -> dict[str, float]:
    """Server CPU milliseconds per request of each kind, one request at a time: the capacity of the
    cores the server has is about (cores × 1000) / this, whatever the clients do."""
    out = {}
    async with client_for(server, 1) as client:
        for kind, _ in MIX:
            rec = Recorder()
            cpu0 = server.cpu_seconds()
            for i in range(n):
                await one_request(client, kind, questions[i % len(questions)], rec, time.perf_counter())
            out[kind] = per_request(server.cpu_seconds() - cpu0, n)
    return out


async def open_loop(server: Server, questions: list[dict[str, Any]], rate: float, clients: int,
                    seconds: float, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    rec = Recorder()
    gate = asyncio.Semaphore(clients)
    tasks = []

    async def fire(kind: str, q: dict[str, Any], scheduled: float, client: httpx.AsyncClient) -> None:
        async with gate:
            await one_request(client, kind, q, rec, scheduled)

    async with client_for(server, clients) as client:
        t0 = time.perf_counter()
        next_at = t0
        while next_at - t0 < seconds:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            tasks.append(asyncio.create_task(fire(pick(rng), rng.choice(questions), next_at, client)))
            next_at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
        return rec.summary(time.perf_counter() - t0) | {"offered_rps": rate}


async def closed_loop(server: Server, questions: list[dict[str, Any]], clients: int, seconds: float,
                      seed: int = 11) -> dict[str, Any]:
    rec = Recorder()
    async with client_for(server, clients) as client:
        t0 = time.perf_counter()

        async def worker(i: int) -> None:
            rng = random.Random(seed + i)
            while time.perf_counter() - t0 < seconds:
                await one_request(client, pick(rng), rng.choice(questions), rec, time.perf_counter())

        await asyncio.gather(*(worker(i) for i in range(clients)))
        return rec.summary(time.perf_counter() - t0)


def judge(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for phase in ("open_loop", "closed_loop"):
        r = results[phase]["routes"]
        figures = {"search_p95_ms": r.get("search", {}).get("p95_ms"),
                   "first_event_p95_ms": r.get("advise_first_event", {}).get("p95_ms"),
                   "advise_p95_ms": r.get("advise", {}).get("p95_ms"),
                   "throughput_rps": results[phase]["throughput_rps"]}
        for name, target in TARGETS.items():
            value = figures[name]
            ok = None if value is None else (value >= target if name == "throughput_rps" else value <= target)
            out.append({"phase": phase, "target": name, "value": value, "limit": target, "met": ok,
                        "errors": results[phase]["error_count"]})
    return out


def render(results: dict[str, Any]) -> str:
    lines = [f"service load benchmark ({results['clients']} clients, {results['workers']} server worker(s))"]
    base = results["baseline"]
    for phase in ("baseline", "open_loop", "closed_loop"):
        r = results[phase] if phase == "baseline" else results[phase]["routes"]
        head = phase if phase == "baseline" else (
            f"{phase}: {results[phase]['requests']} requests in {results[phase]['seconds']} s = "
            f"{results[phase]['throughput_rps']} rps, errors {results[phase]['error_count']}"
            + (f" (offered {results[phase]['offered_rps']} rps)" if phase == "open_loop" else ""))
        lines.append("")
        lines.append(head)
        for route, m in r.items():
            ratio = ""
            if phase != "baseline" and route in base and base[route]["p95_ms"]:
                ratio = f"  ({m['p95_ms'] / base[route]['p95_ms']:.1f}× the one-client p95)"
            lines.append(f"  {route:<20} n={m['n']:<5} p50 {m['p50_ms']:>7.1f}  p95 {m['p95_ms']:>7.1f}  "
                         f"p99 {m['p99_ms']:>7.1f} ms{ratio}")
    lines.append("")
    cpu = results.get("cpu_per_route", {})
    if cpu:
        lines.append("server CPU per request, one at a time: " + ", ".join(f"{k} {v} ms" for k, v in cpu.items()))
        mixed = sum(cpu.get(kind, 0.0) * share for kind, share in MIX)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if mixed:
            lines.append(f"  mix {mixed:.1f} ms → at most {cores * 1000 / mixed:.0f} requests/s on {cores} cores, "
                         "before the load generator's share of them")
    for phase in ("open_loop", "closed_loop"):
        if "server_cpu_ms_per_request" in results[phase]:
            lines.append(f"  {phase}: server CPU {results[phase]['server_cpu_ms_per_request']} ms per request")
    lines.append("")
    lines.append("targets (issue 3)")
    for t in results["targets"]:
        mark = {True: "met", False: "NOT met", None: "n/a"}[t["met"]]
        lines.append(f"  {t['phase']:<12} {t['target']:<20} {t['value']} (limit {t['limit']}): {mark}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.service", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="8 s phases and a shorter baseline (CI)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--rate", type=float, default=40.0, help="offered requests per second in the open loop")
    p.add_argument("--seconds", type=float, default=None, help="length of each loaded phase")
    p.add_argument("--workers", type=int, default=1, help="server worker processes (assistant serve --workers)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    questions = [{"question": q.question, "region": q.region} for q in dev_queries(False)]
    with tempfile.TemporaryDirectory(prefix="assistant-bench-svc-") as tmp:
        server = Server(Path(tmp), workers=args.workers)
        try:
            server.start()
            results: dict[str, Any] = {"machine": machine_facts(), "clients": args.clients, "workers": args.workers}
            log("baseline: one client")
            results["baseline"] = asyncio.run(baseline(server, questions, 10 if args.quick else 30))
            results["cpu_per_route"] = asyncio.run(cpu_per_route(server, questions, 10 if args.quick else 30))
            log(f"open loop: {args.rate} rps for {seconds:.0f} s")
            results["open_loop"] = with_server_cpu(
                server, open_loop(server, questions, args.rate, args.clients, seconds))
            log(f"closed loop: {args.clients} clients for {seconds:.0f} s")
            results["closed_loop"] = with_server_cpu(server, closed_loop(server, questions, args.clients, seconds))
            results["targets"] = judge(results)
        finally:
            server.stop()
    print(json.dumps(results, ensure_ascii=False, indent=1) if args.json else render(results))


if __name__ == "__main__":
    main()
