"""The learned ranking model: a LightGBM LambdaRank booster saved with what it was trained on.

A model folder holds ``model.txt`` (LightGBM's own text format: no pickle) and ``model.json``
(feature names, training sets and their hashes, scores, a content hash that versions the model).
Loading checks the feature names against this code's ``FEATURES``: a model trained on other
features is refused with an error that says how to retrain.

>>> m = RankModel.load(Path("var/rank/active"))     # doctest: +SKIP
>>> m.score(X)                                      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.files import sync_path, write_durable
from assistant.rank.features import FEATURES

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

    def score(self, X: np.ndarray) -> np.ndarray:
        if X.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def save(self, folder: Path) -> Path:
        """Write the model atomically (a temp folder renamed into place); returns the folder."""
        text = self.booster.model_to_string()
        meta = dict(self.meta, features=list(FEATURES),
                    version=hashlib.sha256(text.encode()).hexdigest()[:12])
        self.meta = meta
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        write_durable(tmp / MODEL_FILE, text)
        write_durable(tmp / META_FILE, json.dumps(meta, ensure_ascii=False, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
        sync_path(folder.parent)
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
        if list(meta.get("features", [])) != list(FEATURES):
            raise RankModelError(f"the ranking model in {folder} was trained on other features "
                                 f"({len(meta.get('features', []))} against {len(FEATURES)} now): {RETRAIN}")
        version = hashlib.sha256(text.encode()).hexdigest()[:12]
        if meta.get("version") != version:
            raise RankModelError(f"the ranking model in {folder} does not match its model.json "
                                 f"(version {meta.get('version')} recorded, {version} found): {RETRAIN}")
        return cls(booster, meta)
