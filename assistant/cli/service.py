"""The top-level commands: ``setup``, ``search``, ``serve`` and ``advise``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.cli.common import Mode, echo_err, runtime
from assistant.cli.index import index_build
from assistant.config import Settings
from assistant.errors import IndexNotReady
from assistant.kb import importers, repo
from assistant.kb.changes import exclusive

app = typer.Typer()  # no name: its commands join the root's


@app.command("setup")
def setup(
    rebuild: Annotated[bool, typer.Option(help="Rebuild the index even if one exists")] = False,
) -> None:
    """First run: create the database, import the shipped knowledge base if empty, build the index."""
    rt = runtime()
    with exclusive(rt.engine, "setup"):  # replicas starting together: the first imports, the others find it done
        if rt.kb_version() == 0:
            records = importers.read_kb_jsonl(rt.settings.kb_dir / "entries.jsonl")
            for rep in repo.import_records(rt.engine, records, "", author="setup", dry_run=False, prune=False):
                typer.echo(rep.summary())
    try:
        if rebuild:
            raise IndexNotReady("rebuild requested")
        rt.manager.load()
        rt.manager.save()
        typer.echo(f"index ready at KB version {rt.manager.holder.snapshot.kb_version}")
    except IndexNotReady:
        index_build()


@app.command("search")
def search(
    question: Annotated[str, typer.Argument(help="What the caller asked")],
    region: Annotated[str, typer.Option(help="Caller's region, e.g. '서울특별시 강남구' or '서울특별시'")] = "",
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    mode: Annotated[Mode, typer.Option(help="hybrid, or one retriever alone")] = Mode.hybrid,
) -> None:
    """Find the manual entries for a question."""
    rt = runtime()
    rt.start()
    result = rt.retriever.search(question, region=region or None, top_k=top_k, mode=mode.value)
    for n in result.notices:
        echo_err(f"notice: {n}")
    if as_json:
        typer.echo(json.dumps({"hits": [h.as_dict() for h in result.hits], "region": result.region.label,
                               "notices": result.notices}, ensure_ascii=False))
        return
    if not result.hits:
        typer.echo("no entries found")
    for i, h in enumerate(result.hits, start=1):
        where = " ".join(p for p in (h.sido, h.sigungu) if p) or "전국"
        typer.echo(f"{i:>2}. {h.title}  [{where} · {h.scope} · v{h.version}]  {h.entry_id}  score={h.score:.4f}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (one per core); each keeps its "
                                         "index in step with the others like a replica")] = 1,
) -> None:
    """Run the HTTP service (API and OpenAPI docs at /docs)."""
    import uvicorn

    from assistant.api.app import create_app, create_app_from_env
    from assistant.api.observability import configure_logging

    settings = Settings()
    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
        return
    uvicorn.run(f"{create_app_from_env.__module__}:{create_app_from_env.__name__}", factory=True, workers=workers,
                host=host, port=port, log_config=None, access_log=False)


@app.command("advise")
def advise(
    question: Annotated[str, typer.Argument(help="What the caller asked")],
    region: Annotated[str, typer.Option(help="Caller's region, e.g. '서울특별시 강남구'")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
) -> None:
    """A grounded answer with citations, as the counselor's side panel shows it."""
    rt = runtime()
    rt.start()
    answer = rt.advisor.advise(question, region=region or None)
    if as_json:
        typer.echo(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    typer.echo(f"[{answer.mode}] {answer.text}")
    for c in answer.citations:
        typer.echo(f"  [{c.n}] {c.title} ({c.entry_id} v{c.version})")
    for k, v in answer.key_facts.items():
        typer.echo(f"  · {k}: {v}")
    for e in answer.errors:
        echo_err(f"note: {e}")
