"""``assistant rank``: train the second ranking stage and show which model is active."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import echo_err, runtime
from assistant.evals.datasets import load_queries

app = typer.Typer(name="rank", help="The learned second ranking stage.", no_args_is_help=True)


@app.command("train")
def rank_train(
    train: Annotated[list[Path], typer.Option("--train", help="Labelled query file (eval format); repeatable")],
    validation: Annotated[Path, typer.Option(help="A labelled set the model is NOT trained on: the gate")],
    records: Annotated[bool, typer.Option(help="Also learn from the service's records (copied, 👍, 👎 wrong "
                                                 "entry, closed calls' 안내 entry)")] = True,
    activate: Annotated[bool, typer.Option(help="Make the model active when it passes the gate")] = True,
    author: Annotated[str, typer.Option(help="Who trains it (recorded in the audit log)")] = "cli",
    gate: Annotated[str, typer.Option(help="paired: refused when the validation questions show it worse "
                                           "(paired sign-flip test); strict: hit@1 and MRR@10 both at least "
                                           "the active model's")] = "paired",
) -> None:
    """Train a model; it becomes active only if it passes the gate against the active one on --validation."""
    from assistant.auth.service import record_audit
    from assistant.kb.db import session_scope
    from assistant.rank.sources import examples_from_queries, examples_from_records
    from assistant.rank.workflow import train_and_gate

    rt = runtime()
    rt.start()
    examples = [ex for path in train for ex in examples_from_queries(load_queries(path), f"{path.parent.name}/{path.stem}")]
    if records:
        examples += examples_from_records(rt.engine)
    held = examples_from_queries(load_queries(validation), f"{validation.parent.name}/{validation.stem}")

    def audit(action: str, version: str, detail: dict[str, object]) -> None:
        with session_scope(rt.engine) as s:
            record_audit(s, author, action, f"rank:{version}", detail=detail)

    report = train_and_gate(rt.retriever, rt.rank_store, examples, held, actor=author, activate=activate,
                            audit=audit, progress=echo_err, rule=gate)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    if not report["passed"]:
        echo_err(f"model {report['version']} kept but NOT activated on {validation}: {report['gate']['reason']}")


@app.command("status")
def rank_status() -> None:
    """The active model (or why the first stage ranks alone), its training and validation scores."""
    rt = runtime()
    rt.manager.load()
    ranker = rt.load_ranker()
    out: dict[str, object] = {"active": ranker is not None, "error": rt.rank_error or None,
                              "active_trained": rt.rank_store.active_version(),
                              "history": rt.rank_store.history()[-5:]}
    if ranker is not None:
        meta = dict(ranker.model.meta)
        meta.pop("features", None)
        out["model"] = meta
    typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
