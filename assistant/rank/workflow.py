"""``assistant rank train``: train a model, score it against the active one on a validation set it
was not trained on, and make it active only if the gate (``assistant.rank.gate``: not shown worse
question by question, or the strict rule) lets it, recording why.

>>> report = train_and_gate(retriever, store, examples, validation, actor="qa-kim")   # doctest: +SKIP
>>> report["activated"]                                                             # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.evals.metrics import hit_at_k, mrr_at_k
from assistant.rank.gate import RULES, decide
from assistant.rank.model import RankModel, RankModelError
from assistant.rank.store import ModelStore, check
from assistant.rank.training import Example, Group, TrainingDataError, collect, fit, require_usable, rerank_group


def run_scores(qrels: dict[str, dict[str, int]], run: dict[str, list[str]]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 of ranked entry lists against their right entries (the eval harness's metrics)."""
    return {"hit@1": round(float(hit_at_k(qrels, run, 1)["score"]), 4),  # type: ignore[arg-type]
            "hit@5": round(float(hit_at_k(qrels, run, 5)["score"]), 4),  # type: ignore[arg-type]
            "mrr@10": round(float(mrr_at_k(qrels, run, 10)["score"]), 4)}  # type: ignore[arg-type]


def scores(model: RankModel | None, groups: Sequence[Group]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 of ``model`` (the first stage when None) on the groups' candidates."""
    return run_scores({g.example.qid: {e: 1 for e in g.example.positives} for g in groups},
                      {g.example.qid: rerank_group(model, g) for g in groups})


def reciprocal_ranks(model: RankModel | None, groups: Sequence[Group], k: int = 10) -> list[float]:
    """Per validation question, in the groups' order, its reciprocal rank@``k`` (the eval harness's MRR)."""
    qrels = {g.example.qid: {e: 1 for e in g.example.positives} for g in groups}
    run = {g.example.qid: rerank_group(model, g) for g in groups}
    per_query = mrr_at_k(qrels, run, k)["per_query"]
    return [float(per_query[g.example.qid]) for g in groups]  # type: ignore[index]


def train_and_gate(retriever: Any, store: ModelStore, examples: Sequence[Example], validation: Sequence[Example],
                   *, actor: str, activate: bool = True, audit: Callable[[str, str, dict[str, Any]], None] | None = None,
                   progress: Callable[[str], None] | None = None, rule: str = "paired",
                   latent: Any = None, use_latent: bool = False) -> dict[str, Any]:
    """``rule``: the gate's rule (``assistant.rank.gate``: 'paired' or 'strict'). ``latent``: the service's
    latent terms (``assistant.latent``; None when its embedder has none); ``use_latent``: train on them too.
    The validation questions get them whenever there are some, so an active model that reads them is scored."""
    if rule not in RULES:
        raise TrainingDataError(f"unknown gate rule {rule!r}; valid: {', '.join(RULES)}")
    say = progress or (lambda _m: None)
    require_usable(retriever, [*examples, *validation])
    seen = {ex.question for ex in examples}
    overlap = [ex.qid for ex in validation if ex.question in seen]
    if overlap:
        raise TrainingDataError(f"{len(overlap)} validation question(s) are also training questions "
                                f"({', '.join(overlap[:5])}): validate on a set the model is not trained on")
    if not validation:
        raise TrainingDataError("the validation set has no question with a right entry")
    if use_latent and latent is None:
        raise TrainingDataError("latent terms were asked for, but this embedder has none: train with "
                                "--no-latent-terms")
    say(f"collecting first-stage candidates for {len(examples)} training questions")
    manifest = retriever.holder.snapshot.manifest
    groups = collect(retriever, examples, pool=retriever.rerank_k, latent=latent if use_latent else None)
    sources: dict[str, int] = {}
    for ex in examples:
        sources[ex.source] = sources.get(ex.source, 0) + 1
    model = fit(groups, meta={"embedder": manifest.embedder, "kb_version": manifest.kb_version,
                              "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
                              "trained_by": actor, "sources": sources,
                              **({"latent": latent.name} if use_latent else {})})
    say(f"scoring on {len(validation)} validation questions")
    val = collect(retriever, validation, pool=retriever.rerank_k, latent=latent)
    active: RankModel | None
    try:
        active = store.active()
        check(active, manifest, latent)
    except RankModelError:
        active = None  # a model this service cannot run is no baseline
    first, candidate = scores(None, val), scores(model, val)
    current = scores(active, val) if active else None
    baseline = current or first
    model.meta["validation"] = {"n": len(val), **candidate}
    version = store.add(model)
    decision = decide(reciprocal_ranks(model, val), reciprocal_ranks(active, val), rule=rule)
    passed = decision.passed
    detail = {"validation_n": len(val), "candidate": candidate, "baseline": baseline,
              "baseline_version": active.version if active else "first stage", "passed": passed,
              "gate": decision.as_dict()}
    if passed and activate:
        store.activate(version, actor=actor, detail=detail)
    else:
        store.record("refuse" if not passed else "kept", version, actor=actor, detail=detail)
    if audit:
        audit("rank.activate" if passed and activate else "rank.refuse" if not passed else "rank.keep",
              version, detail)
    return {"version": version, "activated": passed and activate, "passed": passed, "gate": decision.as_dict(),
            "trained_on": sources,
            "questions": len(groups), "first_stage": first, "active": current, "candidate": candidate}
