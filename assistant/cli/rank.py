"""``assistant rank``: train the second ranking stage and show which model is active."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import echo_err, runtime
from assistant.evals.datasets import load_queries
from assistant.rank.sources import examples_from_queries
from assistant.rank.training import Example

app = typer.Typer(name="rank", help="The learned second ranking stage.", no_args_is_help=True)


def labelled(paths: list[Path]) -> list[Example]:
    """The questions with gold of labelled query files, each row's source named '<folder>/<file>'."""
    return [ex for path in paths for ex in examples_from_queries(load_queries(path), f"{path.parent.name}/{path.stem}")]


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
    latent_terms: Annotated[bool | None, typer.Option("--latent-terms/--no-latent-terms",
                                                      help="Also learn from the embedder's latent terms (a second "
                                                           "forward pass per search); default: "
                                                           "ASSISTANT_RANK_LATENT_TERMS")] = None,
) -> None:
    """Train a model; it becomes active only if it passes the gate against the active one on --validation."""
    from assistant.auth.service import record_audit
    from assistant.kb.db import session_scope
    from assistant.rank.sources import examples_from_records
    from assistant.rank.workflow import train_and_gate

    rt = runtime()
    rt.start()
    examples = labelled(train)
    if records:
        examples += examples_from_records(rt.engine)
    held = labelled([validation])

    def audit(action: str, version: str, detail: dict[str, object]) -> None:
        with session_scope(rt.engine) as s:
            record_audit(s, author, action, f"rank:{version}", detail=detail)

    use_latent = rt.settings.rank_latent_terms if latent_terms is None else latent_terms
    report = train_and_gate(rt.retriever, rt.rank_store, examples, held, actor=author, activate=activate,
                            audit=audit, progress=echo_err, rule=gate, latent=rt.latent_terms, use_latent=use_latent)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    if not report["passed"]:
        echo_err(f"model {report['version']} kept but NOT activated on {validation}: {report['gate']['reason']}")


@app.command("cv")
def rank_cv(
    queries: Annotated[list[Path], typer.Option("--queries", help="Labelled query file (eval format); repeatable")],
    folds: Annotated[int, typer.Option(help="Folds: each is scored by a model trained on the others")] = 5,
    seeds: Annotated[int, typer.Option(help="Shuffles (seeds 0..N-1); their spread is the noise of one")] = 2,
    drop: Annotated[list[str] | None, typer.Option("--drop", help="A feature to leave out (ablation); repeatable")] = None,
    drop_group: Annotated[list[str] | None, typer.Option("--drop-group", help="A group of features to leave out, "
                                                         "as the README's ablation table names them; repeatable")] = None,
    by_entry: Annotated[bool, typer.Option("--by-entry", help="Draw folds by gold entry: no right entry is both "
                                                            "trained and tested on, as on the held-out sets")] = False,
    latent_terms: Annotated[bool | None, typer.Option("--latent-terms/--no-latent-terms",
                                                      help="With the latent-term features; default: "
                                                           "ASSISTANT_RANK_LATENT_TERMS")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON")] = False,
) -> None:
    """Cross-validate the second stage on labelled questions (no model is saved or activated)."""
    from assistant.rank.crossval import cross_validate
    from assistant.rank.features import ALL_FEATURES, FEATURES, GROUPS
    from assistant.rank.training import TrainingDataError, collect, require_usable

    unknown = [f for f in drop or [] if f not in ALL_FEATURES] + [g for g in drop_group or [] if g not in GROUPS]
    if unknown:
        raise TrainingDataError(f"unknown feature or group {', '.join(map(repr, unknown))}; features: "
                                f"{', '.join(ALL_FEATURES)}; groups: {', '.join(map(repr, GROUPS))}")
    hidden = sorted({*(drop or []), *(f for g in drop_group or [] for f in GROUPS[g])}, key=ALL_FEATURES.index)
    rt = runtime()
    rt.start()
    use_latent = rt.settings.rank_latent_terms if latent_terms is None else latent_terms
    if use_latent and rt.latent_terms is None:
        raise TrainingDataError("latent terms were asked for, but this embedder has none: use --no-latent-terms")
    if not use_latent and set(hidden) - set(FEATURES):
        raise TrainingDataError("the latent-term features are only there with --latent-terms")
    examples = labelled(queries)
    require_usable(rt.retriever, examples)
    echo_err(f"collecting first-stage candidates for {len(examples)} questions")
    groups = collect(rt.retriever, examples, pool=rt.retriever.rerank_k,
                     latent=rt.latent_terms if use_latent else None)
    echo_err(f"training {folds * seeds} models ({folds} folds x {seeds} shuffles)")
    report = cross_validate(groups, folds, range(seeds), drop=hidden, by_entry=by_entry)
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    o, f = report["overall"], report["first_stage"]
    typer.echo(f"{report['questions']} questions, {folds} folds{' by gold entry' if by_entry else ''} x {seeds} shuffles"
               + (f", without {', '.join(hidden)}" if hidden else ""))
    typer.echo(f"second stage: hit@1 {o['hit@1']:.3f}  hit@5 {o['hit@5']:.3f}  MRR@10 {o['mrr@10']:.3f}")
    typer.echo(f"first stage:  hit@1 {f['hit@1']:.3f}  hit@5 {f['hit@5']:.3f}  MRR@10 {f['mrr@10']:.3f}")
    spread = [s["hit@1"] for s in report["by_seed"].values()]
    typer.echo(f"hit@1 per shuffle: {', '.join(f'{x:.3f}' for x in spread)}")
    for name, g in report["by_group"].items():
        typer.echo(f"  type={name or '-':<12} n={g['n'] // seeds:<4} hit@1 {g['hit@1']:.3f}  hit@5 {g['hit@5']:.3f}  "
                   f"MRR@10 {g['mrr@10']:.3f}")


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
