"""The learned ranking model: a LightGBM LambdaRank booster saved with what it was trained on.

A model folder holds ``model.txt`` (LightGBM's own text format: no pickle) and ``model.json``
(feature names, training sets and their hashes, scores, a content hash that versions the model).
Loading checks the feature names against this code's: ``FEATURES``, or ``FEATURES`` and the latent
terms after them (``uses_latent``; the recipe it read is ``meta["latent"]``). A model trained on other
features is refused with an error that says how to retrain.

>>> m = RankModel.load(Path("var/rank/active"))     # doctest: +SKIP
>>> m.score(X)                                      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.files import replace_folder, write_durable
from assistant.rank.features import ALL_FEATURES, FEATURES

MODEL_FILE, META_FILE = "model.txt", "model.json"
RETRAIN = "run `assistant rank train` to build one for this version"


class RankModelError(AssistantError):
    """A ranking model is missing, unreadable or made for other features."""


@dataclass
class RankModel:
    booster: Any
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    @cached_property
    def features(self) -> tuple[str, ...]:
        """The columns the model reads, as its booster names them (``load`` checks model.json agrees)."""
        return tuple(self.booster.feature_name())

    @property
    def uses_latent(self) -> bool:
        return len(self.features) > len(FEATURES)

    def score(self, X: np.ndarray) -> np.ndarray:
        if X.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.booster.predict(X[:, :len(self.features)], num_threads=1), dtype=np.float64)

    def stamp(self) -> str:
        """Record the feature list and the content version in ``meta``; returns the version."""
        return self._stamp(self.booster.model_to_string())

    def _stamp(self, text: str) -> str:
        self.meta = dict(self.meta, features=list(self.features), version=_version(text))
        return self.version

    def save(self, folder: Path) -> Path:
        """Write the model as the folder ``folder`` (built beside it, renamed into place); returns it."""
        text = self.booster.model_to_string()
        self._stamp(text)
        meta = json.dumps(self.meta, ensure_ascii=False, indent=1)

        def fill(tmp: Path) -> None:
            write_durable(tmp / MODEL_FILE, text)
            write_durable(tmp / META_FILE, meta)

        replace_folder(folder, fill)
        return folder

    @classmethod
    def load(cls, folder: Path) -> RankModel:
        import lightgbm as lgb

        model_path, meta_path = folder / MODEL_FILE, folder / META_FILE
        if not model_path.is_file() or not meta_path.is_file():
            raise RankModelError(f"no ranking model in {folder}: {RETRAIN}")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            text = model_path.read_text(encoding="utf-8")
            booster = lgb.Booster(model_str=text)
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise RankModelError(f"cannot read the ranking model in {folder} ({exc}): {RETRAIN}") from exc
        names = list(meta.get("features", []))
        if names not in (list(FEATURES), list(ALL_FEATURES)):
            raise RankModelError(f"the ranking model in {folder} was trained on other features "
                                 f"({len(names)} against {len(FEATURES)} or {len(ALL_FEATURES)} now): {RETRAIN}")
        if names != list(booster.feature_name()):
            raise RankModelError(f"the ranking model in {folder} reads other features than its model.json "
                                 f"names: {RETRAIN}")
        version = _version(text)
        if meta.get("version") != version:
            raise RankModelError(f"the ranking model in {folder} does not match its model.json "
                                 f"(version {meta.get('version')} recorded, {version} found): {RETRAIN}")
        return cls(booster, meta)


def _version(model_text: str) -> str:
    """A model's version: its content's hash, so the same model trained twice is one version."""
    return hashlib.sha256(model_text.encode()).hexdigest()[:12]
