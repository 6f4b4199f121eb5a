"""The LLM answer path against a real OpenAI-compatible server on loopback, against the extractive card.

    python -m bench.llm                      # starts scripts/llm-server serve, 40 dev + regression questions
    python -m bench.llm --limit 0            # every in-KB question of both sets (slow: seconds each)
    python -m bench.llm --base-url http://127.0.0.1:8080/v1 --model gemma-3-270m-q4_k_m   # a running server
    python -m bench.llm --json               # one JSON object on stdout instead of the table

The service's own advisor answers: ``Runtime`` from ``Settings`` whose ``llm_base_url`` / ``llm_model``
point at the server, so the OpenAI-compatible generator, the streaming grounding check and the fallback
to the extractive card are the ones a counselor gets. Each question is retrieved once; the same
retrieval result is answered by the extractive card alone (the baseline, in the same run) and by the
LLM path. Per answer and in aggregate it prints: time to the first grounded sentence shown (the first
``delta`` event), total time, whether the answer fell back to the card and why (the generator's error,
or the dropped sentences' reasons), sentences kept and dropped.

A benchmark, not a test: the model, the server and this process share the machine's cores, so times
are of this machine under that sharing; the answers' wording depends on the model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from assistant.advisor.generators import ExtractiveGenerator
from assistant.advisor.service import Advisor
from assistant.config import ROOT
from assistant.evals.datasets import EvalQuery, load_queries
from assistant.evals.metrics import percentile
from assistant.runtime import Runtime
from assistant.types import Answer, SearchResult
from bench.env import OtherCpu, machine_facts
from bench.replicas import free_port
from bench.workspace import import_shipped, log, settings_for, shipped_records

SETS = {"dev": ROOT / "evals" / "dev" / "queries.jsonl", "regression": ROOT / "evals" / "regression" / "queries.jsonl"}
SERVER_SCRIPT = ROOT / "scripts" / "llm-server"
_HANGUL = re.compile(r"[가-힣]")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.llm", description=__doc__.splitlines()[0])
    p.add_argument("--base-url", default="", help="a running OpenAI-compatible server (default: start scripts/llm-server)")
    p.add_argument("--model", default="", help="model name to ask for (default: the server's first /v1/models entry)")
    p.add_argument("--sets", default="dev,regression", help="comma-separated: " + ", ".join(SETS))
    p.add_argument("--limit", type=int, default=40, help="questions in all, spread evenly over the sets (0 = all)")
    p.add_argument("--timeout", type=float, default=None, help="ASSISTANT_LLM_TIMEOUT for this run (default: the setting's)")
    p.add_argument("--retries", type=int, default=None, help="ASSISTANT_LLM_MAX_RETRIES (default: the setting's)")
    p.add_argument("--show", action="store_true", help="print each answer's text and dropped sentences")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    return p.parse_args(argv)


def pick_questions(sets: list[str], limit: int) -> list[tuple[str, EvalQuery]]:
    """In-KB questions (out-of-KB ones abstain before any model is asked), spread evenly over each set."""
    per_set = {name: [q for q in load_queries(SETS[name]) if q.in_kb] for name in sets}
    out: list[tuple[str, EvalQuery]] = []
    for name, qs in per_set.items():
        want = len(qs) if limit <= 0 else max(1, limit // len(sets))
        step = max(1, len(qs) // want)
        out += [(name, q) for q in qs[::step][:want]]
    return out


class LlamaServer:
    """``scripts/llm-server serve`` on a free loopback port, stopped (its own process group) on exit."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LlamaServer:
        out = self.log_path.open("wb")
        self.proc = subprocess.Popen([str(SERVER_SCRIPT), "serve", "--port", str(self.port)],
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()

    def alive(self) -> bool:
        return self.proc is None or self.proc.poll() is None


def wait_ready(base_url: str, server: LlamaServer | None, seconds: float = 180.0) -> str:
    """The first model the server lists, once it answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and not server.alive():
            raise SystemExit(f"the LLM server exited; its log: {server.log_path}")
        try:
            r = httpx.get(f"{base_url}/models", timeout=2)
            if r.status_code == 200 and r.json().get("data"):
                return str(r.json()["data"][0]["id"])
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"no answer from {base_url}/models within {seconds:.0f} s")


class Tap:
    """Wraps the service's model generator to keep what the model wrote and when its first piece came:
    on a fallback the answer holds only the card's text. It changes nothing the advisor sees."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name
        self.text, self.started, self.pieces = "", 0.0, 0
        self.first_piece_ms: float | None = None

    def reset(self) -> None:
        self.text, self.first_piece_ms, self.started, self.pieces = "", None, time.perf_counter(), 0

    def generate(self, request: Any) -> Any:
        for piece in self.inner.generate(request):
            if self.first_piece_ms is None:
                self.first_piece_ms = (time.perf_counter() - self.started) * 1000
            self.text += piece
            self.pieces += 1
            yield piece


@dataclass
class Timed:
    answer: Answer
    first_ms: float | None  # first delta event (the first grounded sentence, or the card's first line)
    total_ms: float


def timed(advisor: Advisor, masked: str, result: SearchResult) -> Timed:
    t0 = time.perf_counter()
    first: float | None = None
    answer: Answer | None = None
    for e in advisor.answer_events(masked, result):
        if "delta" in e and first is None:
            first = (time.perf_counter() - t0) * 1000
        if "answer" in e:
            answer = e["answer"]
    assert answer is not None
    return Timed(answer, first, (time.perf_counter() - t0) * 1000)


@dataclass
class Row:
    qid: str
    set: str
    lang: str
    type: str
    top1_gold: bool
    retrieval_ms: float
    extractive_first_ms: float | None
    extractive_ms: float
    mode: str  # llm, extractive (fell back) or abstain
    first_ms: float | None
    total_ms: float
    kept: int = 0
    dropped: int = 0
    reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    removed: list[str] = field(default_factory=list)
    model_first_piece_ms: float | None = None  # the server's first streamed piece (prompt read)
    model_pieces: int = 0
    model_text: str = ""  # everything the model wrote, kept or not


def fallback_cause(row: Row) -> str:
    """Why an answer fell back: the generator failed (timeout, HTTP), or none of its sentences passed."""
    if row.mode != "extractive":
        return ""
    err = " ".join(row.errors)
    if "no sentence passed" in err:
        return "no grounded sentence"
    m = re.search(r"failed: (\w+)", err)
    return f"generator error: {m.group(1)}" if m else "generator error"


def reason_kind(reason: str) -> str:
    return reason.split(":")[0].split(" [")[0]


def ask(rt: Runtime, extractive: Advisor, tap: Tap, name: str, q: EvalQuery) -> Row:
    t0 = time.perf_counter()
    masked, result = rt.advisor.retrieve(q.question, q.region, None)
    retrieval_ms = (time.perf_counter() - t0) * 1000
    base = timed(extractive, masked, result)
    tap.reset()
    llm = timed(rt.advisor, masked, result)
    a = llm.answer
    row = Row(q.qid, name, q.lang, q.type, bool(a.hits) and a.hits[0].entry_id in q.gold, round(retrieval_ms, 1),
              _r(base.first_ms), round(base.total_ms, 1), a.mode, _r(llm.first_ms), round(llm.total_ms, 1),
              errors=list(a.errors), text=a.text, model_first_piece_ms=_r(tap.first_piece_ms),
              model_pieces=tap.pieces, model_text=tap.text)
    if a.mode == "llm":
        row.kept, row.dropped = a.grounding.supported, a.grounding.unsupported
        row.reasons, row.removed = list(a.grounding.reasons), list(a.grounding.removed)
    else:  # the model's record on a fallback is in the error (the card's own report is of the card)
        for e in a.errors:
            m = re.search(r"(\d+) sentences? dropped: (.*)\)$", e)
            if m:
                row.dropped = int(m.group(1))
                for part in m.group(2).split(";"):
                    times = re.search(r" ×(\d+)$", part)
                    reason = part[: times.start()] if times else part
                    row.reasons += [reason.strip()] * (int(times.group(1)) if times else 1)
    return row


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def pcts(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1), "n": len(values)}


def summarize(rows: list[Row]) -> dict[str, Any]:
    answered = [r for r in rows if r.mode != "abstain"]
    llm = [r for r in answered if r.mode == "llm"]
    fell = [r for r in answered if r.mode == "extractive"]
    kinds: Counter[str] = Counter()
    for r in answered:
        kinds.update(reason_kind(x) for x in r.reasons)
    korean_kept = sum(1 for r in llm if _HANGUL.search(r.text))
    wrote = [r for r in answered if r.model_text]
    hangul = sum(len(_HANGUL.findall(r.model_text)) for r in wrote)
    letters = sum(sum(1 for ch in r.model_text if ch.isalpha()) for r in wrote)
    return {
        "questions": len(rows), "abstained": len(rows) - len(answered), "answered": len(answered),
        "llm_answers": len(llm), "fell_back": len(fell),
        "fallback_share": round(len(fell) / len(answered), 3) if answered else None,
        "fallback_causes": dict(Counter(fallback_cause(r) for r in fell)),
        "sentences": {"kept": sum(r.kept for r in answered), "dropped": sum(r.dropped for r in answered),
                      "drop_reasons": dict(kinds.most_common())},
        "llm_answers_in_korean": korean_kept,
        "model_wrote": len(wrote), "model_hangul_share": round(hangul / letters, 3) if letters else None,
        "model_first_piece_ms": pcts([r.model_first_piece_ms for r in wrote if r.model_first_piece_ms is not None]),
        "model_pieces_mean": round(sum(r.model_pieces for r in wrote) / len(wrote), 1) if wrote else None,
        "first_grounded_ms": pcts([r.first_ms for r in llm if r.first_ms is not None]),
        "llm_total_ms": pcts([r.total_ms for r in llm]),
        "first_text_ms_all": pcts([r.first_ms for r in answered if r.first_ms is not None]),
        "total_ms_all": pcts([r.total_ms for r in answered]),
        "fallback_total_ms": pcts([r.total_ms for r in fell]),
        "extractive_first_ms": pcts([r.extractive_first_ms for r in answered if r.extractive_first_ms is not None]),
        "extractive_total_ms": pcts([r.extractive_ms for r in answered]),
        "retrieval_ms": pcts([r.retrieval_ms for r in rows]),
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server = None if args.base_url else LlamaServer(workdir / "llm-server.log")
    try:
        if server is not None:
            log(f"starting {SERVER_SCRIPT.name} serve on 127.0.0.1:{server.port}")
            server.__enter__()
        base_url = args.base_url or (server.base_url if server else "")
        t0 = time.perf_counter()
        model = args.model or wait_ready(base_url, server)
        ready_s = round(time.perf_counter() - t0, 1)
        log(f"server ready in {ready_s} s, model {model}")
        update: dict[str, Any] = {"llm_base_url": base_url, "llm_model": model}
        if args.timeout is not None:
            update["llm_timeout"] = args.timeout
        if args.retries is not None:
            update["llm_max_retries"] = args.retries
        settings = settings_for(workdir).model_copy(update=update)
        rt = Runtime(settings)
        log("importing the shipped KB and building the index")
        import_shipped(rt, shipped_records())
        rt.manager.rebuild()
        rt.start()
        extractive = Advisor(rt.retriever, [ExtractiveGenerator(rt.manager.tokenizer.tokenize)], rt.advisor.prompt,
                             policy=rt.advisor.policy)
        tap = Tap(rt.advisor.generators[0])
        rt.advisor.generators[0] = tap
        questions = pick_questions([s.strip() for s in args.sets.split(",") if s.strip()], args.limit)
        log("warm-up: one question through both paths (not counted)")
        ask(rt, extractive, tap, "warm-up", questions[0][1])
        rows: list[Row] = []
        with OtherCpu() as cpu:
            for i, (name, q) in enumerate(questions, start=1):
                row = ask(rt, extractive, tap, name, q)
                rows.append(row)
                log(f"{i}/{len(questions)} {row.qid} {row.mode} first {row.first_ms} ms total {row.total_ms} ms "
                    f"kept {row.kept} dropped {row.dropped}")
        gen = tap.inner
        return {
            "machine": machine_facts(), "cpu": cpu.result,
            "server": {"base_url": base_url, "model": model, "started_here": server is not None, "ready_s": ready_s,
                       "timeout_s": getattr(gen, "timeout", None), "max_retries": getattr(gen, "max_retries", None),
                       "max_tokens": getattr(gen, "max_tokens", None), "prompt": rt.advisor.prompt.version},
            "summary": summarize(rows), "rows": [asdict(r) for r in rows],
        }
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def _ms(d: dict[str, Any]) -> str:
    return "–" if d["p50"] is None else f"p50 {d['p50']:,.0f} / p95 {d['p95']:,.0f} ms (n={d['n']})"


def render(r: dict[str, Any], show: bool = False) -> str:
    s, srv = r["summary"], r["server"]
    lines = [f"LLM answers: {srv['model']} at {srv['base_url']} (timeout {srv['timeout_s']} s, retries "
             f"{srv['max_retries']}, max_tokens {srv['max_tokens']}, prompt {srv['prompt']}); "
             f"other processes' CPU {r['cpu'].get('others_cores')} cores", ""]
    lines.append(f"{'qid':<12} {'set':<10} {'mode':<10} {'first ms':>9} {'total ms':>9} {'card ms':>8} "
                 f"{'kept':>4} {'drop':>4}  why")
    for row in r["rows"]:
        why = fallback_cause(Row(**row)) or "; ".join(sorted({reason_kind(x) for x in row["reasons"]}))
        first = "–" if row["first_ms"] is None else f"{row['first_ms']:,.0f}"
        lines.append(f"{row['qid']:<12} {row['set']:<10} {row['mode']:<10} {first:>9} {row['total_ms']:>9,.0f} "
                     f"{row['extractive_ms']:>8,.1f} {row['kept']:>4} {row['dropped']:>4}  {why}")
        if show:
            lines.append(f"    answer: {row['text'][:300]}")
            lines.append(f"    model wrote: {' '.join(row['model_text'].split())[:400]}")
            lines += [f"    dropped: {x[:160]}  ({why_})" for x, why_ in zip(row["removed"], row["reasons"], strict=False)]
    lines += [
        "",
        f"questions {s['questions']}: answered {s['answered']}, abstained {s['abstained']}; LLM answers "
        f"{s['llm_answers']}, fell back to the card {s['fell_back']} (share {s['fallback_share']}): "
        f"{s['fallback_causes'] or 'none'}",
        f"sentences kept {s['sentences']['kept']}, dropped {s['sentences']['dropped']}: "
        f"{s['sentences']['drop_reasons'] or 'none'}; LLM answers with Korean text {s['llm_answers_in_korean']}",
        f"the model wrote in {s['model_wrote']} answers: first piece {_ms(s['model_first_piece_ms'])}, "
        f"{s['model_pieces_mean']} pieces each, Hangul share of its letters {s['model_hangul_share']}",
        f"time to first grounded sentence (LLM answers): {_ms(s['first_grounded_ms'])}",
        f"total time, LLM answers:                       {_ms(s['llm_total_ms'])}",
        f"first text shown, every answer (with fallbacks): {_ms(s['first_text_ms_all'])}",
        f"total time, every answer (with fallbacks):     {_ms(s['total_ms_all'])}",
        f"extractive card, same run, same retrieval:     first {_ms(s['extractive_first_ms'])}; "
        f"total {_ms(s['extractive_total_ms'])}",
        f"retrieval (not in the times above):            {_ms(s['retrieval_ms'])}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-llm-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result, args.show))


if __name__ == "__main__":
    main()
