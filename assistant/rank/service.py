"""The second ranking stage as the retriever sees it: features of the first stage's top candidates,
scored by the learned model, re-ordered. Thin: the features and the model do the work.

>>> ranker = LearnedRanker(RankModel.load(folder))                 # doctest: +SKIP
>>> HybridRetriever(holder, embedder, regions, reranker=ranker)     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.rank.clarify import Clarification, clarify
from assistant.rank.entries import EntryTable
from assistant.rank.features import Candidates, pool_features
from assistant.rank.model import RankModel
from assistant.rank.situation import Situation, SituationLexicon
from assistant.rank.store import check_latent


class LearnedRanker:
    """Scores the first ``pool`` candidates with ``model``; the rest keep their first-stage order.

    Scores are turned into a distribution over the pool (softmax), so a hit's score says how much of
    the model's belief it holds and the first two hits' gap is comparable across questions.
    """

    def __init__(self, model: RankModel, lexicon: SituationLexicon | None = None, latent: Any = None) -> None:
        check_latent(model, latent)
        self.model = model
        self.lexicon = lexicon or SituationLexicon.default()
        self.latent = latent if model.uses_latent else None

    @property
    def version(self) -> str:
        return self.model.version

    def features(self, snap: Any, cands: Candidates, caller: Situation, pool: int) -> np.ndarray:
        ids, X = pool_features(cands, EntryTable.of(snap, self.lexicon), caller, snap.entries, pool)
        if self.latent is None:
            return X
        return np.hstack([X, self.latent.columns(snap, ids, cands.question)])

    def rerank(self, snap: Any, cands: Candidates, caller: Situation, pool: int) -> tuple[list[int], list[float]]:
        X = self.features(snap, cands, caller, pool)
        raw = self.model.score(X)
        order = np.argsort(-raw, kind="stable")
        p = np.exp(raw - raw.max())
        p /= p.sum()
        rest = list(range(pool, len(cands.entry_ids)))
        floor = float(p.min()) if len(p) else 1.0
        return ([int(i) for i in order] + rest,
                [float(p[i]) for i in order] + [floor * 0.5 ** (j + 1) for j in range(len(rest))])

    def clarify(self, snap: Any, caller: Situation, hits: Sequence[Any]) -> Clarification | None:
        """The clarifying question for these hits (ranker scores), if the first ones are close look-alikes."""
        table = EntryTable.of(snap, self.lexicon)
        cands = [(h.entry_id, h.title, table.eligibility[table.ordinal[h.entry_id]], h.score) for h in hits[:3]]
        return clarify(caller, cands)
