"""``assistant index``: build the BM25 and dense indexes, show the saved one's manifest."""

from __future__ import annotations

import json

import typer
from tqdm import tqdm

from assistant.cli.common import runtime

app = typer.Typer(name="index", help="BM25 and dense indexes.", no_args_is_help=True)


@app.command("build")
def index_build() -> None:
    """Full rebuild from the database; embeds only text the cache has not seen."""
    rt = runtime()
    bar = tqdm(desc="embedding new text", unit="chunk", total=0, disable=None)

    def progress(n: int) -> None:
        if bar.total == 0:
            bar.total = None
        bar.update(n)

    snap = rt.manager.rebuild(progress=progress)
    bar.close()
    m = snap.manifest
    typer.echo(f"index built: KB version {m.kb_version}, {m.n_entries} entries, {m.n_chunks} chunks, "
               f"embedder {m.embedder}")


@app.command("status")
def index_status() -> None:
    """Show the saved index's manifest and whether it matches the database."""
    from assistant.index.snapshot import read_manifest

    rt = runtime()
    folder, manifest = read_manifest(rt.settings.index_dir)
    kb = rt.kb_version()
    manifest.pop("checksums", None)
    typer.echo(json.dumps({"folder": str(folder), "database_kb_version": kb, **manifest}, ensure_ascii=False, indent=1))
