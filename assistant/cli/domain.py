"""``assistant domain``: train the abstention's topic check and show the one in use."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from assistant.cli.common import echo_err, runtime
from assistant.evals.datasets import load_queries

app = typer.Typer(name="domain", help="The abstention's topic check: is a question about what the manuals cover?",
                  no_args_is_help=True)


def labelled(paths: list[Path]) -> list[tuple[str, str | None, int]]:
    """(question, region, label) of labelled query files; label 1: no gold, out of the knowledge base."""
    return [(q.question, q.region, 0 if q.gold else 1) for path in paths for q in load_queries(path)]


def observe(rt: Any, questions: list[tuple[str, str | None, int]]) -> tuple[np.ndarray, list[int], list[str]]:
    """Each question's embedding (as the service computes it: masked, then searched), its label and the
    level the retrievers' evidence alone gives it."""
    evidence_only = dataclasses.replace(rt.abstention, domain=None)
    vectors, labels, levels = [], [], []
    for question, region, label in questions:
        masked, result = rt.advisor.retrieve(question, region, None)
        if result.query_vector is None:
            continue
        vectors.append(result.query_vector)
        labels.append(label)
        levels.append(evidence_only.assess(result.hits, masked, result.best_dense, result.evidence)[1])
    return np.vstack(vectors) if vectors else np.zeros((0, 0), np.float32), labels, levels


@app.command("train")
def domain_train(
    queries: Annotated[list[Path], typer.Option("--queries", help="Labelled query file (eval format; gold empty = "
                                                                 "out of the knowledge base); repeatable")],
    out: Annotated[Path | None, typer.Option(help="Where to write the model (default: the service's "
                                                  "ASSISTANT_ABSTAIN_DOMAIN_MODEL)")] = None,
    c: Annotated[float, typer.Option("--c", min=1e-6, help="Inverse regularisation strength")] = 0.3,
    threshold: Annotated[float, typer.Option(min=0.5, max=0.999, help="Decline a weak answer above this "
                                                                       "probability of being outside")] = 0.9,
    inside: Annotated[float, typer.Option(min=0.0, max=0.5, help="Answer (level low) a question the evidence "
                                                                  "declines below this probability (0: never)")] = 0.01,
    folds: Annotated[int, typer.Option(min=0, help="Cross-validation folds for the report (0: none)")] = 5,
    records: Annotated[bool, typer.Option(help="Also learn from the service's records: questions whose answer "
                                               "was copied, 👍 or a closed call's 안내 entry are covered")] = False,
) -> None:
    """Train the topic check on labelled questions, report what it would decline, and write it."""
    from assistant.domain.training import cross_validate, fit
    from assistant.rank.sources import examples_from_records

    rt = runtime()
    rt.start()
    target = out or rt.settings.abstain_domain_model
    questions = labelled(queries)
    used = [(ex.question, ex.region, 0) for ex in examples_from_records(rt.engine)] if records else []
    echo_err(f"searching {len(questions)} labelled and {len(used)} recorded questions")
    X, labels, levels = observe(rt, questions + used)
    report: dict[str, object] = {"questions": len(labels), "outside": sum(labels), "from_records": len(used),
                                 "c": c, "threshold": threshold, "inside": inside}
    if folds:
        cv = cross_validate(X, labels, levels, c=c, threshold=threshold, inside=inside, folds=folds)
        before = {"declined_outside": _share(levels, labels, 1), "declined_covered": _share(levels, labels, 0)}
        # every share is of all the questions of a kind: declined by the gate ('low' ones), answered by the lift
        after = {"declined_outside": round(before["declined_outside"] + cv.declined_outside - cv.answered_outside, 4),
                 "declined_covered": round(before["declined_covered"] + cv.declined_covered - cv.answered_covered, 4)}
        report["cross_validated"] = {"folds": folds, "evidence_alone": before, "with_topic_check": after}
    model = fit(X, labels, rt.embedder.name, c=c, threshold=threshold, inside=inside,
                trained={"sources": [f"{p.parent.name}/{p.name}" for p in queries], **{k: v for k, v in report.items() if k != "c"}})
    model.save(target)
    report["written"] = str(target)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))


def _share(levels: list[str], labels: list[int], label: int) -> float:
    """The share of questions with this label that the evidence alone declines."""
    picked = [lv for lv, y in zip(levels, labels, strict=True) if y == label]
    return round(sum(1 for lv in picked if lv == "none") / max(len(picked), 1), 4)


@app.command("status")
def domain_status() -> None:
    """The topic check in use (or why abstention reads the retrievers' evidence alone) and how it was trained."""
    rt = runtime()
    model = rt.load_domain()
    out: dict[str, object] = {"active": model is not None, "error": rt.domain_error or None,
                              "path": str(rt.settings.abstain_domain_model)}
    if model is not None:
        out.update(embedder=model.embedder, threshold=model.threshold, trained=model.trained)
    typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
