"""Is a question about what the manuals cover at all? A linear model on the question's embedding.

The abstention policy reads the retrievers' evidence: how well the best entries match. A question
outside the manuals' domain still finds look-alikes through generic words ('증명서', '신청', '요금'): a
caller asking where to reprint a vaccination certificate, rent a badminton court or check a
severance-pay sum gets a cosine of 0.87 and a BM25 of 12 to 30, as covered questions do. What such
questions share is their topic (licences, parking, taxes, private insurance, labour law), and the
embedding of the question itself carries the topic. So a logistic regression on the standardised
question vector, trained on labelled questions (covered: 0, out of the knowledge base: 1), says how
likely the question is outside the domain.

It only turns a weak answer into a decline (level 'low' → 'none', ``AbstentionPolicy``): where the
retrievers are confident the manuals cover the question, the topic model does not overrule them. The
other way, a question squarely on the manuals' topics (probability of being outside under ``inside``)
that the retrievers' evidence would decline is answered at level 'low' instead: those are mostly a
district's programme asked in everyday words ('셋째 낳으면 구에서 축하금', '아기 장난감 무료로 빌릴 곳'),
whose first entry is usually right.

The model is a JSON file (no pickle): the scaler's mean and scale, the weights, the intercept, the
decision threshold, and the embedder it was trained on. Vectors of another embedder mean nothing to it,
so a mismatch is an error (``check``), as for the index and the ranker.

>>> m = DomainModel([0.0, 0.0], [1.0, 1.0], [2.0, -2.0], 0.0, 0.9, "e", inside=0.01)
>>> round(m.probability(np.array([1.0, 0.0], np.float32)), 3)
0.881
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError
from assistant.files import replace_atomic

RETRAIN = "run `assistant domain train` to build one for this embedder"


class DomainModelError(AssistantError):
    pass


@dataclass(frozen=True)
class DomainModel:
    """``probability(vector)``: how likely the question is outside the manuals' domain; ``outside`` above
    ``threshold``, ``inside`` below ``inside`` (0: never)."""

    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    threshold: float
    embedder: str
    inside: float = 0.0
    # what it was trained on and how it scored (counts, cross-validated recall / false decline): for
    # `assistant domain train`'s report and the README, never read by the policy
    trained: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.weights)
        if n == 0 or len(self.mean) != n or len(self.scale) != n:
            raise DomainModelError(f"domain model: mean, scale and weights must have one value per dimension "
                                   f"(got {len(self.mean)}, {len(self.scale)}, {n})")
        if not 0.0 < self.threshold < 1.0:
            raise DomainModelError(f"domain model: threshold must be between 0 and 1, got {self.threshold}")
        if not 0.0 <= self.inside < self.threshold:
            raise DomainModelError(f"domain model: inside ({self.inside}) must be at least 0 and under the "
                                   f"threshold ({self.threshold})")
        object.__setattr__(self, "_w", np.asarray(self.weights, np.float64) / np.asarray(self.scale, np.float64))
        object.__setattr__(self, "_b", float(self.intercept - float(np.dot(self._w, self.mean))))  # type: ignore[attr-defined]

    @property
    def dim(self) -> int:
        return len(self.weights)

    def probability(self, vector: np.ndarray) -> float:
        v = np.asarray(vector, np.float64).reshape(-1)
        if v.shape[0] != self.dim:
            raise DomainModelError(f"domain model takes {self.dim}-dimensional vectors, got {v.shape[0]}")
        z = float(np.dot(self._w, v)) + self._b  # type: ignore[attr-defined]
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def outside(self, vector: np.ndarray) -> bool:
        return self.probability(vector) > self.threshold

    def within(self, vector: np.ndarray) -> bool:
        """Squarely on the manuals' topics: a decline on thin evidence becomes a checked answer."""
        return self.probability(vector) < self.inside

    def check(self, embedder: str) -> None:
        if embedder != self.embedder:
            raise DomainModelError(f"domain model was trained on embedder {self.embedder!r}, the index uses "
                                   f"{embedder!r}: {RETRAIN}")

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed into place)."""
        replace_atomic(path, json.dumps(asdict(self), ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> DomainModel:
        if not path.is_file():
            raise DomainModelError(f"no domain model at {path}: {RETRAIN}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise DomainModelError(f"domain model {path} is not readable ({exc}): {RETRAIN}") from exc
