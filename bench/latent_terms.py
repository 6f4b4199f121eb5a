"""What the latent-term features (``assistant/latent``) buy the second stage and what they cost a search.

    python -m bench.latent_terms --queries ../shared/data/train/questions.jsonl \\
        --queries evals/dev/queries.jsonl --queries evals/written/queries.jsonl

Cross-validates the second stage with folds drawn by gold entry (the honest proxy for held-out sets,
``assistant rank cv --by-entry``) on the same candidates twice, without and with the three latent
columns, and times a question's latent terms (a second forward pass: the sparse head reads the raw
text, the dense vector the ``query:``-prefixed one) against its query embedding, back to back on the
same questions. It runs against the configured index (``DATABASE_URL``, ``ASSISTANT_INDEX_DIR``) like
``assistant rank cv``; the entries' latent terms come from the store (shipped with the knowledge base).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.workspace import log


def cost(embedder: Any, encoder: Any, questions: list[str]) -> dict[str, float]:
    """p50 of the query embedding and of the question's latent terms, timed back to back per question."""
    dense, sparse = [], []
    for q in questions:
        t0 = time.perf_counter()
        embedder.embed([q], kind="query")
        t1 = time.perf_counter()
        encoder.latent_terms([q])
        t2 = time.perf_counter()
        dense.append((t1 - t0) * 1000)
        sparse.append((t2 - t1) * 1000)
    d, s = statistics.median(dense), statistics.median(sparse)
    return {"embedding_p50_ms": round(d, 2), "latent_p50_ms": round(s, 2), "latent_over_embedding": round(s / d, 2)}


def run(queries: list[Path], folds: int, seeds: int) -> dict[str, Any]:
    from assistant.cli.rank import labelled
    from assistant.config import Settings
    from assistant.rank.crossval import cross_validate
    from assistant.rank.features import FEATURES
    from assistant.rank.training import Group, collect, require_usable
    from assistant.runtime import Runtime

    rt = Runtime(Settings())
    rt.start()
    latent = rt.latent_terms
    if latent is None:
        raise SystemExit("this embedder has no sparse head: no latent terms to measure")
    examples = labelled(queries)
    require_usable(rt.retriever, examples)
    log(f"first-stage candidates and latent terms of {len(examples)} questions")
    with_latent = collect(rt.retriever, examples, pool=rt.retriever.rerank_k, latent=latent)
    without = [dataclasses.replace(g, X=g.X[:, :len(FEATURES)]) for g in with_latent]
    langs = {ex.qid: ex.group.get("lang", "ko") for ex in examples}

    def key(g: Group) -> str:
        lang = langs.get(g.example.qid, "ko")
        return lang if lang != "ko" else g.example.group.get("type", "")

    report: dict[str, Any] = {"recipe": latent.name}
    for name, data in (("without", without), ("with latent terms", with_latent)):
        log(f"cross-validating: {name}")
        cv = cross_validate(data, folds, range(seeds), by_entry=True, key=key)
        report[name] = {"overall": cv["overall"], "by_seed": {s: v["hit@1"] for s, v in cv["by_seed"].items()},
                        "by_group": {g: round(v["hit@1"], 3) for g, v in cv["by_group"].items()}}
    report["cost"] = cost(rt.embedder, latent.encoder, [ex.question for ex in examples[:60]])
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.latent_terms", description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=Path, action="append", required=True, help="labelled query file; repeatable")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    report = run(args.queries, args.folds, args.seeds)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(f"latent terms: {report['recipe']}")
    for name in ("without", "with latent terms"):
        o = report[name]["overall"]
        print(f"{name:18s} hit@1 {o['hit@1']:.3f}  hit@5 {o['hit@5']:.3f}  MRR@10 {o['mrr@10']:.3f}  "
              f"per shuffle {', '.join(f'{v:.3f}' for v in report[name]['by_seed'].values())}")
        print(f"{'':18s} " + "  ".join(f"{g or '-'} {v:.2f}" for g, v in report[name]["by_group"].items()))
    c = report["cost"]
    print(f"cost: query embedding p50 {c['embedding_p50_ms']} ms, latent terms p50 {c['latent_p50_ms']} ms "
          f"({c['latent_over_embedding']}x the embedding, added to every search that uses them)")


if __name__ == "__main__":
    main()
