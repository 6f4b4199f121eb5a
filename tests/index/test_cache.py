import numpy as np
import pytest

from assistant.index.cache import EmbeddingCache, QueryVectorCache

pytestmark = pytest.mark.unit


class CountingEmbedder:
    name, dim = "fake/counting", 4

    def __init__(self):
        self.seen: list[str] = []

    def embed(self, texts, kind):
        self.seen.extend(texts)
        v = np.array([[len(t), 1, 0, 0] for t in texts], np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_only_new_text_is_embedded_and_the_cache_persists(tmp_path):
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path, emb.name, emb.dim)
    first = cache.embed(emb, ["가", "나나"])
    assert emb.seen == ["가", "나나"]
    again = EmbeddingCache(tmp_path, emb.name, emb.dim)
    both = again.embed(emb, ["나나", "다다다", "가"])
    assert emb.seen == ["가", "나나", "다다다"]
    np.testing.assert_array_equal(both[[0, 2]], first[[1, 0]])


def test_seed_is_read_but_never_written(tmp_path):
    emb = CountingEmbedder()
    seed_cache = EmbeddingCache(tmp_path / "seed", emb.name, emb.dim)
    seed_cache.embed(emb, ["가"])
    before = {p.name: p.stat().st_mtime_ns for p in seed_cache.dir.iterdir()}
    mine = EmbeddingCache(tmp_path / "mine", emb.name, emb.dim, seed=tmp_path / "seed")
    assert len(mine) == 1
    mine.embed(emb, ["가", "라"])
    assert emb.seen == ["가", "라"]
    assert {p.name: p.stat().st_mtime_ns for p in seed_cache.dir.iterdir()} == before
    assert len(EmbeddingCache(tmp_path / "mine", emb.name, emb.dim)) == 2


def test_a_damaged_cache_costs_only_re_embedding(tmp_path):
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path, emb.name, emb.dim)
    cache.embed(emb, ["가"])
    (cache.dir / "vectors.npy").write_bytes(b"garbage")
    assert len(EmbeddingCache(tmp_path, emb.name, emb.dim)) == 0


def test_query_cache_embeds_each_question_once_and_returns_the_same_vector():
    emb = CountingEmbedder()
    cache = QueryVectorCache(2)
    a = cache.embed(emb, "기초연금 신청")
    b = cache.embed(emb, "기초연금 신청")
    assert emb.seen == ["기초연금 신청"] and cache.hits == 1 and cache.misses == 1
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        a[0] = 5.0  # a cached vector cannot be changed by a caller


def test_query_cache_forgets_the_least_recently_used_and_keys_by_embedder():
    emb = CountingEmbedder()
    cache = QueryVectorCache(2)
    for q in ("가", "나", "가", "다"):  # '나' is the least recently used when '다' arrives
        cache.embed(emb, q)
    assert len(cache) == 2
    cache.embed(emb, "가")
    cache.embed(emb, "나")
    assert emb.seen == ["가", "나", "다", "나"]
    other = CountingEmbedder()
    other.name = "fake/other"
    cache.embed(other, "가")
    assert other.seen == ["가"], "another model's vector is never served"


def test_a_query_cache_of_size_zero_always_embeds():
    emb = CountingEmbedder()
    cache = QueryVectorCache(0)
    cache.embed(emb, "가")
    cache.embed(emb, "가")
    assert emb.seen == ["가", "가"] and len(cache) == 0


def vector_of(text: str, dim: int) -> np.ndarray:
    """A vector that can only belong to ``text``."""
    rng = np.random.default_rng(int.from_bytes(text.encode(), "little") % (2**32))
    return rng.standard_normal(dim).astype(np.float32)


def test_concurrent_puts_and_saves_keep_every_row_with_its_own_vector(tmp_path):
    """Draft evaluations and index refreshes embed on different threads into one cache: no row may be
    lost and no key may point at another text's vector, in memory or after a reload."""
    import sys
    import threading

    dim, threads, batches, per = 16, 16, 150, 2
    cache = EmbeddingCache(tmp_path, "fake/concurrent", dim)
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            start.wait()
            for b in range(batches):
                texts = [f"스레드 {t} 묶음 {b} 문장 {i}" for i in range(per)]
                cache.put_many(texts, np.stack([vector_of(x, dim) for x in texts]))
                if b % 10 == 9:
                    cache.save()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for p in pool:
            p.start()
        for p in pool:
            p.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors
    cache.save()
    texts = [f"스레드 {t} 묶음 {b} 문장 {i}" for t in range(threads) for b in range(batches) for i in range(per)]
    expected = np.stack([vector_of(x, dim) for x in texts])
    for c in (cache, EmbeddingCache(tmp_path, "fake/concurrent", dim)):
        assert len(c) == len(texts)
        got, missing = c.get_many(texts)
        assert missing == []
        np.testing.assert_array_equal(got, expected)
