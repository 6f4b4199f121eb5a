"""bm25s (what we serve with) scores exactly like rank-bm25 (the reference) on the same tokens."""

import math

import numpy as np
import pytest

from assistant.index.lexical import LexicalIndex
from assistant.text.tokenizer import KoreanTokenizer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def corpus_tokens(subset_records):
    tok = KoreanTokenizer()
    return tok, tok.tokenize_many([f"{r.title}\n{r.content}" for r in subset_records])


QUERIES = ["출산장려금 신청 방법", "중구 어르신 지원", "기초생활 수급자 긴급 지원", "장애인 활동 지원 서비스"]


def test_lucene_scores_equal_rank_bm25_with_lucene_idf(corpus_tokens):
    rank_bm25 = pytest.importorskip("rank_bm25")
    tok, tokens = corpus_tokens

    class LuceneOkapi(rank_bm25.BM25Okapi):
        def _calc_idf(self, nd):
            self.idf = {w: math.log(1 + (self.corpus_size - f + 0.5) / (f + 0.5)) for w, f in nd.items()}

    k1, b = 1.5, 0.75
    ref = LuceneOkapi(tokens, k1=k1, b=b)
    ours = LexicalIndex(k1=k1, b=b, method="lucene").build(tokens)
    for q in QUERIES:
        qt = tok.tokenize(q)
        # rank-bm25 keeps Okapi's (k1 + 1) numerator factor; Lucene drops it: a constant, same ranking
        np.testing.assert_allclose(ours.scores(qt) * (k1 + 1), ref.get_scores(qt), rtol=1e-4, atol=1e-4)


def test_robertson_scores_equal_rank_bm25_okapi_where_no_idf_is_negative(corpus_tokens):
    rank_bm25 = pytest.importorskip("rank_bm25")
    tok, tokens = corpus_tokens
    ref = rank_bm25.BM25Okapi(tokens)
    ours = LexicalIndex(method="robertson").build(tokens)
    n = len(tokens)
    for q in QUERIES:
        qt = [t for t in tok.tokenize(q) if 0 < sum(t in doc for doc in tokens) < n / 2]
        np.testing.assert_allclose(ours.scores(qt) * 2.5, ref.get_scores(qt), rtol=1e-4, atol=1e-4)


def test_unknown_tokens_and_empty_rows():
    idx = LexicalIndex().build([["a"], [], ["b", "b"]])
    assert idx.scores(["zzz"]).tolist() == [0, 0, 0]
    assert idx.scores(["b"]).argmax() == 2
