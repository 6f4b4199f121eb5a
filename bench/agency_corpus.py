"""The DERIVED corpus of ``bench.agencies``: the shipped KB as the common layer, and per agency re-titled copies
of a seeded sample of its entries (see ``bench.agencies``' docstring), with the per-agency layout."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

import numpy as np

from assistant.index.embedders import Kind
from assistant.text.chunking import chunk_entry
from assistant.types import EntryRecord

# the 110 center's agencies (names real, contact lines placeholders: this corpus is derived)
AGENCIES: tuple[tuple[str, str], ...] = (
    ("nts", "국세청"), ("moel", "고용노동부"), ("nhis", "국민건강보험공단"), ("nps", "국민연금공단"),
    ("moj", "법무부"), ("police", "경찰청"), ("mfds", "식품의약품안전처"), ("molit", "국토교통부"),
    ("me", "환경부"), ("mogef", "여성가족부"), ("mpva", "국가보훈부"), ("mois", "행정안전부"),
    ("motie", "산업통상자원부"), ("mafra", "농림축산식품부"), ("mcst", "문화체육관광부"), ("moe", "교육부"),
    ("kcomwel", "근로복지공단"),
)


def agencies(n: int) -> list[tuple[str, str]]:
    extra = [(f"ag{i:02d}", f"파생기관{i:02d}") for i in range(len(AGENCIES) + 1, n + 1)]
    return (list(AGENCIES) + extra)[:n]


def derive_corpus(records: Sequence[EntryRecord], n_agencies: int, per_agency: int
                  ) -> tuple[list[EntryRecord], dict[str, str]]:
    """The common layer (``records``) plus each agency's re-titled copies; also derived chunk text -> original."""
    active = [r for r in records if r.status == "active"]
    corpus = list(active)
    original_of: dict[str, str] = {}
    for code, name in agencies(n_agencies):
        for r in random.Random(f"agency:{code}").sample(active, min(per_agency, len(active))):
            copy = dataclasses.replace(r, entry_id=f"{code}:{r.entry_id}", title=f"{r.title} ({name})", agency=code)
            for c_copy, c_orig in zip(chunk_entry(copy), chunk_entry(r), strict=True):
                original_of[c_copy.text] = c_orig.text
            corpus.append(copy)
    return corpus, original_of


class CachedVectors:
    """The embedder of a build from a full cache: its name and width; asked to embed, it fails loudly."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        raise RuntimeError(f"{len(texts)} texts missing from the prefilled embedding cache")


def layouts(corpus: Sequence[EntryRecord], codes: Sequence[str]) -> dict[str, list[EntryRecord]]:
    """Per agency: the common layer and that agency's entries."""
    common = [r for r in corpus if not r.agency]
    return {code: common + [r for r in corpus if r.agency == code] for code in codes}
