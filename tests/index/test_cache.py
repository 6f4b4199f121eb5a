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
