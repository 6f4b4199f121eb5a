"""An optional LLM judge for a finished run, through any OpenAI-compatible server.

Pinned model and prompt (``assistant/prompts/judge-v1.md``), temperature 0, several runs (each with its own
seed), reported as the mean over runs and their spread (standard deviation), per question and
overall, in ``judge.json`` beside the run. It is never mixed into the deterministic scores or the
gates: a model's opinion is a second signal for QA, not a measurement.

>>> parse_verdict('```json\\n{"faithful": 1, "answers": 0, "score": 4, "reason": "x"}\\n```')
{'faithful': 1, 'answers': 0, 'score': 4}
>>> parse_verdict("I think it is fine") is None
True
"""

from __future__ import annotations

import html
import json
import re
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.advisor.prompts import Prompt
from assistant.errors import AssistantError

JUDGE_FILE = "judge.json"
_OBJECT = re.compile(r"\{.*\}", re.S)


class JudgeError(AssistantError):
    """The judge's server failed or is not configured."""


def parse_verdict(text: str) -> dict[str, int] | None:
    """The verdict in a reply (the first JSON object in it), or None when there is none or it is malformed."""
    m = _OBJECT.search(text or "")
    if not m:
        return None
    try:
        d = json.loads(m.group(0))
    except ValueError:
        return None
    try:
        v = {"faithful": int(d["faithful"]), "answers": int(d["answers"]), "score": int(d["score"])}
    except (KeyError, TypeError, ValueError):
        return None
    if v["faithful"] not in (0, 1) or v["answers"] not in (0, 1) or not 1 <= v["score"] <= 5:
        return None
    return v


def render(prompt: Prompt, row: dict[str, Any], sources: Sequence[str]) -> list[dict[str, str]]:
    blocks = "\n".join(f'<source n="{i}">\n{html.escape(s)}\n</source>' for i, s in enumerate(sources, start=1))
    user = (prompt.user.replace("{question}", html.escape(row["question"]))
            .replace("{facts}", html.escape("; ".join(row.get("key_facts") or [])) or "(none given)")
            .replace("{answer}", html.escape(row["answer"])).replace("{sources}", blocks or "(no sources)"))
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def aggregate(per_run: Sequence[dict[str, dict[str, int] | None]]) -> dict[str, Any]:
    """Mean over runs and spread (population stdev) of each run's mean, overall and per question (pure)."""
    def run_mean(run: dict[str, dict[str, int] | None], key: str) -> float | None:
        vals = [v[key] for v in run.values() if v is not None]
        return sum(vals) / len(vals) if vals else None

    out: dict[str, Any] = {}
    for key in ("score", "faithful", "answers"):
        means = [m for m in (run_mean(r, key) for r in per_run) if m is not None]
        out[key] = {"mean": round(statistics.fmean(means), 4) if means else None,
                    "spread": round(statistics.pstdev(means), 4) if len(means) > 1 else 0.0,
                    "per_run": [round(m, 4) for m in means]}
    qids = sorted({q for r in per_run for q in r})
    out["per_query"] = {}
    for q in qids:
        verdicts = [r.get(q) for r in per_run]
        scores = [v["score"] for v in verdicts if v is not None]
        out["per_query"][q] = {"score_mean": round(statistics.fmean(scores), 3) if scores else None,
                               "score_spread": round(statistics.pstdev(scores), 3) if len(scores) > 1 else 0.0,
                               "unparsed": sum(1 for v in verdicts if v is None)}
    out["unparsed"] = sum(1 for r in per_run for v in r.values() if v is None)
    return out


def judge_rows(rows: Sequence[dict[str, Any]], sources_of: Callable[[dict[str, Any]], list[str]], *,
               base_url: str, model: str, api_key: str = "", prompt: Prompt, runs: int = 3, timeout: float = 30.0,
               progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Ask the judge ``runs`` times per question (temperature 0, seed = run number) and aggregate."""
    import openai

    if not base_url or not model:
        raise JudgeError("the judge needs --base-url and --model (an OpenAI-compatible server)")
    client: Any = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=1)
    per_run: list[dict[str, dict[str, int] | None]] = []
    for seed in range(runs):
        verdicts: dict[str, dict[str, int] | None] = {}
        for row in rows:
            try:
                reply = client.chat.completions.create(model=model, messages=render(prompt, row, sources_of(row)),
                                                       temperature=0, seed=seed, max_tokens=200)
            except openai.OpenAIError as exc:
                raise JudgeError(f"judge server {base_url} failed: {type(exc).__name__}: {exc}") from exc
            verdicts[row["qid"]] = parse_verdict(reply.choices[0].message.content or "")
            if progress:
                progress(1)
        per_run.append(verdicts)
    return {"model": model, "prompt_version": prompt.version, "temperature": 0, "runs": runs,
            "questions": len(rows), **aggregate(per_run)}


def write_judgement(run_dir: Path, judgement: dict[str, Any]) -> Path:
    path = run_dir / JUDGE_FILE
    path.write_text(json.dumps(judgement, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
