import pytest

from assistant.errors import AmbiguousRegion, InvalidQuery, UnknownRegion

pytestmark = pytest.mark.integration


def allowed(hit, sido, sigungu):
    return (not hit.sido) or (hit.sido == sido and (not hit.sigungu or hit.sigungu == sigungu))


def own_programmes(rt, sido: str, sigungu: str) -> set[str]:
    return {e.entry_id for e in rt.manager.holder.snapshot.entries.values()
            if e.sido == sido and e.sigungu == sigungu and "출산" in e.title}


@pytest.mark.parametrize("region", ["서울특별시 강남구", "서울특별시 중구", "부산광역시 중구"])
def test_callers_region_decides_among_same_named_services(built_runtime, region):
    sido, sigungu = region.split()
    result = built_runtime.retriever.search("출산장려금 지원 받고 싶어요", region=region, top_k=10)
    assert result.hits, "nothing found"
    assert all(allowed(h, sido, sigungu) for h in result.hits)
    # the caller's own district's programme must not lose to another region's or a national one
    own = own_programmes(built_runtime, sido, sigungu)
    assert own, f"the test KB has {region}'s own programme"
    assert result.hits[0].entry_id in own


def test_a_district_without_its_own_programme_is_offered_no_other_districts(built_runtime):
    sido, sigungu = "대구광역시", "중구"
    assert not own_programmes(built_runtime, sido, sigungu), "the test KB has no programme of 대구 중구's own"
    hits = built_runtime.retriever.search("출산장려금 지원 받고 싶어요", region=f"{sido} {sigungu}", top_k=10).hits
    assert hits and all(allowed(h, sido, sigungu) for h in hits)
    elsewhere = {e.entry_id for e in built_runtime.manager.holder.snapshot.entries.values()
                 if "출산" in e.title and e.sigungu and (e.sido, e.sigungu) != (sido, sigungu)}
    assert elsewhere, "other districts have same-named programmes, the closest by text"
    assert not elsewhere & {h.entry_id for h in hits}, "none of them is offered to this caller"


def test_without_region_every_region_is_searchable(built_runtime):
    hits = built_runtime.retriever.search("출산장려금 지원", top_k=20).hits
    assert len({(h.sido, h.sigungu) for h in hits}) > 3


def test_one_hit_per_entry_with_a_score_breakdown(built_runtime):
    hits = built_runtime.retriever.search("장애인 지원 신청 방법", top_k=10).hits
    assert len({h.entry_id for h in hits}) == len(hits) == 10
    for h in hits:
        s = h.scores
        assert h.score > 0 and s.fused > 0  # the ranker's score, and the first stage's fused score behind it
        assert s.first_rank is not None and 1 <= s.first_rank <= built_runtime.retriever.rerank_k
        assert s.lexical_rank is not None or s.dense_rank is not None
        assert h.version >= 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_modes_use_one_retriever_alone(built_runtime):
    lex = built_runtime.retriever.search("출산장려금", mode="lexical").hits
    dense = built_runtime.retriever.search("출산장려금", mode="dense").hits
    assert all(h.scores.dense_rank is None and h.scores.vote_rank is None for h in lex)
    assert all(h.scores.lexical_rank is None and h.scores.vote_rank is None for h in dense)


def test_scope_vote_prefers_the_callers_region_or_national_entries(built_runtime):
    with_region = built_runtime.retriever.search("출산장려금", region="서울특별시 중구").hits
    voted = [h for h in with_region if h.scores.vote_rank is not None]
    assert voted and all(h.sido == "서울특별시" for h in voted)
    no_region = built_runtime.retriever.search("출산장려금").hits
    assert all(not h.sido for h in no_region if h.scores.vote_rank is not None)


def test_foreign_language_question_finds_the_korean_entry(built_runtime):
    top = built_runtime.retriever.search("How do I apply for the childbirth grant?", region="서울특별시 강남구").hits[0]
    assert "출산" in top.title


def test_bad_input_is_a_clear_error(built_runtime):
    r = built_runtime.retriever
    for empty in ("", "   \n\t"):
        with pytest.raises(InvalidQuery, match="empty"):
            r.search(empty)
    with pytest.raises(UnknownRegion, match="서울특별시 강남구"):
        r.search("출산장려금", region="아틀란티스")
    with pytest.raises(AmbiguousRegion, match="부산광역시 중구"):
        r.search("출산장려금", region="중구")
    with pytest.raises(InvalidQuery):
        r.search("출산장려금", top_k=0)


def test_very_long_question_is_truncated_with_a_notice(built_runtime):
    result = built_runtime.retriever.search("출산장려금 " * 500)
    assert result.hits
    assert any("only the first" in n for n in result.notices)


def test_a_cached_query_vector_gives_the_same_hits_as_a_fresh_one(built_runtime):
    from assistant.index.cache import QueryVectorCache

    ret = built_runtime.retriever
    saved = ret.query_cache
    try:
        ret.query_cache = QueryVectorCache(0)
        fresh = ret.search("출산장려금 얼마예요", region="서울특별시 강남구").hits
        ret.query_cache = QueryVectorCache(10)
        first = ret.search("출산장려금 얼마예요", region="서울특별시 강남구").hits
        again = ret.search("출산장려금 얼마예요", region="서울특별시 강남구").hits
        assert ret.query_cache.hits == 1
        assert [h.as_dict() for h in fresh] == [h.as_dict() for h in first] == [h.as_dict() for h in again]
    finally:
        ret.query_cache = saved


def test_an_english_question_takes_manual_terms_from_the_glossary(built_runtime):
    ret = built_runtime.retriever
    hits = ret.search("I'm pregnant. Is there support for pregnancy medical costs?", top_k=5).hits
    assert any(h.scores.lexical_score for h in hits), "glossary terms (임신, 의료비) reach BM25"


def test_collapsing_chunks_keeps_each_entrys_best_row_in_score_order():
    import numpy as np

    from assistant.retrieval.hybrid import best_per_entry

    rnd = np.random.default_rng(3)
    row_entry = rnd.integers(0, 40, size=300).astype(np.int32)
    ids = [f"e{i}" for i in range(40)]
    scores = np.sort(rnd.random(300))[::-1].copy()
    rows = rnd.permutation(300)
    got = best_per_entry(rows, scores, row_entry, ids, limit=25)
    seen: dict[int, int] = {}
    for pos, r in enumerate(rows.tolist()):
        seen.setdefault(int(row_entry[r]), pos)
    want = sorted(seen.values())[:25]
    assert got.rows == [int(rows[p]) for p in want]
    assert got.entry_ids == [ids[row_entry[rows[p]]] for p in want]
    assert got.scores == [float(scores[p]) for p in want]
    assert best_per_entry(rows[:0], scores[:0], row_entry, ids, limit=5).entry_ids == []


def test_rows_of_faiss_ids_match_the_snapshots_id_table(built_runtime):
    import numpy as np

    snap = built_runtime.manager.holder.snapshot
    sample = snap.row_ids[np.random.default_rng(5).permutation(len(snap.row_ids))[:200]]
    assert snap.rows_of_ids(sample).tolist() == [snap.row_of_id[int(i)] for i in sample]
