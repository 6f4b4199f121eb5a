"""Where ranking models live and which one is active.

``<rank_dir>/models/<version>/`` holds each trained model; ``<rank_dir>/ACTIVE`` names the active one
(replaced atomically); ``<rank_dir>/history.jsonl`` records every activation and refusal. Without an
active trained model, the model shipped with the knowledge base (``<kb_dir>/rank``) ranks.

A model is used only with the index it fits: ``check`` compares its recorded embedder and feature
list with the index's manifest (cosines from another embedder mean something else), like the index
refuses another embedder's vectors.

>>> store = ModelStore(Path("var/index/rank"), shipped=Path("knowledge_base/rank"))   # doctest: +SKIP
>>> store.active().version                                                          # doctest: +SKIP
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.files import leftovers, replace_atomic
from assistant.rank.model import META_FILE, RETRAIN, RankModel, RankModelError

ACTIVE, HISTORY = "ACTIVE", "history.jsonl"
STALE_S = 24 * 3600  # a temporary model folder this old is a crashed save's


class ModelStore:
    def __init__(self, root: Path, shipped: Path | None = None) -> None:
        self.root, self.shipped = root, shipped

    def active_version(self) -> str | None:
        try:
            return (self.root / ACTIVE).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def active(self) -> RankModel:
        """The active trained model, else the shipped one; ``RankModelError`` when there is none."""
        version = self.active_version()
        if version:
            return RankModel.load(self.root / "models" / version)
        if self.shipped is not None and (self.shipped / "model.txt").is_file():
            return RankModel.load(self.shipped)
        raise RankModelError(f"no ranking model (none active in {self.root}, none shipped): {RETRAIN}")

    def add(self, model: RankModel) -> str:
        """Keep a trained model (not yet active); returns its version. A version is its content's hash, so
        a version already kept is not written again; two trainings adding at once never share a folder."""
        version = model.stamp()
        final = self.root / "models" / version
        if not (final / META_FILE).is_file():
            model.save(final)
        self.sweep()
        return version

    def sweep(self, older_than_s: float = STALE_S) -> list[str]:
        """Remove what a training that crashed while saving left in ``models/`` (``files.leftovers``),
        once it is ``older_than_s`` old: the store has no write lock, so age is what
        tells a dead writer's folder from one being written now (a save takes about a second)."""
        now = time.time()
        removed = []
        for p in leftovers(self.root / "models"):
            try:
                stale = now - p.stat().st_mtime > older_than_s
            except FileNotFoundError:  # its writer finished meanwhile
                continue
            if stale:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
        return removed

    def load(self, version: str) -> RankModel:
        return RankModel.load(self.root / "models" / version)

    def activate(self, version: str, *, actor: str, detail: dict[str, Any]) -> None:
        self.load(version)  # refuse to point ACTIVE at something unreadable
        replace_atomic(self.root / ACTIVE, version + "\n")
        self.record("activate", version, actor=actor, detail=detail)

    def record(self, action: str, version: str, *, actor: str, detail: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        row = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "action": action, "version": version,
               "actor": actor, **detail}
        with open(self.root / HISTORY, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    def history(self) -> list[dict[str, Any]]:
        try:
            lines = (self.root / HISTORY).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]


def check(model: RankModel, manifest: Any, latent: Any = None) -> None:
    """Refuse a model trained for another embedder than the index's, or one whose latent terms the service
    cannot give it (``check_latent``)."""
    want = model.meta.get("embedder")
    if want and want != manifest.embedder:
        raise RankModelError(f"the ranking model {model.version} was trained with embedder {want}, the index "
                             f"uses {manifest.embedder}: {RETRAIN}")
    check_latent(model, latent)


def check_latent(model: RankModel, latent: Any) -> None:
    """Refuse a model that reads latent terms when ``latent`` (the service's, ``assistant.latent``) is None
    or another recipe than the one it was trained on."""
    if not model.uses_latent:
        return
    if latent is None:
        raise RankModelError(f"the ranking model {model.version} reads latent terms, which this service has "
                             "not (its embedder has no sparse head): run `assistant rank train "
                             "--no-latent-terms` to build one without them")
    if model.meta.get("latent", latent.name) != latent.name:
        raise RankModelError(f"the ranking model {model.version} read latent terms {model.meta.get('latent')}, "
                             f"this service has {latent.name}: {RETRAIN}")
