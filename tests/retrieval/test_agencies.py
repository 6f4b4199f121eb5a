"""Search per agency: the common layer plus the caller's own agency, and another agency's better answer
returned apart and marked (never in the caller's own list)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.retrieval.agency_leads import other_agency_leads
from assistant.runtime import Runtime
from tests.conftest import indexed_runtime, make_settings
from tests.retrieval.agencies import NTS, OWN_QUESTION, TAX_QUESTION, WELFARE, agency_records


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory, subset_records) -> Runtime:
    runtime = indexed_runtime(make_settings(tmp_path_factory.mktemp("agencies")), subset_records + agency_records())
    runtime.start()
    return runtime


def agency_of(rt: Runtime, entry_id: str) -> str:
    return rt.manager.holder.snapshot.entries[entry_id].agency


@pytest.mark.integration
def test_agency_masks_cover_the_common_layer_and_the_own_agency_and_nothing_else(rt: Runtime) -> None:
    snap = rt.manager.holder.snapshot
    assert snap.agencies == {WELFARE, NTS}
    row_agency = np.array([snap.entries[c.entry_id].agency for c in snap.chunks])
    for code in (WELFARE, NTS, "nobody"):
        own = snap.agency_rows(code)
        assert own.dtype == bool and len(own) == len(snap.chunks)
        assert (own == np.isin(row_agency, ["", code])).all()
        assert (snap.other_agency_rows(code) == ~own).all()
    assert snap.agency_rows(WELFARE) is snap.agency_rows(WELFARE), "computed once per snapshot"


@pytest.mark.integration
@pytest.mark.parametrize("question", [TAX_QUESTION, OWN_QUESTION, "출산장려금 지원 받고 싶어요"])
@pytest.mark.parametrize("region", [None, "서울특별시 중구"])
def test_a_counselors_own_list_holds_only_common_and_own_agency_entries(rt: Runtime, question, region) -> None:
    for code in (WELFARE, NTS):
        for rerank in (True, False):  # the second stage ranks the restricted candidates too
            result = rt.retriever.search(question, region=region, top_k=20, agency=code, rerank=rerank)
            assert result.hits
            assert {agency_of(rt, h.entry_id) for h in result.hits} <= {"", code}
            assert not any(h.other_agency for h in result.hits)
            for h in result.other_agency:
                assert h.other_agency == agency_of(rt, h.entry_id) not in ("", code)
                assert h.entry_id not in {x.entry_id for x in result.hits}


@pytest.mark.integration
def test_another_agencys_clearly_better_entry_comes_apart_and_marked(rt: Runtime) -> None:
    unrestricted = rt.retriever.search(TAX_QUESTION, top_k=5, rerank=False)
    top = unrestricted.hits[0]
    assert agency_of(rt, top.entry_id) == NTS, "the tax office's entry answers the tax question best"
    result = rt.retriever.search(TAX_QUESTION, top_k=5, agency=WELFARE)
    assert [h.entry_id for h in result.other_agency][:1] == [top.entry_id]
    assert result.other_agency[0].other_agency == NTS
    # the tax office's own counselor gets it in their list, unmarked, with nothing to transfer
    own = rt.retriever.search(TAX_QUESTION, top_k=5, agency=NTS, rerank=False)
    assert own.hits[0].entry_id == top.entry_id and own.hits[0].other_agency == ""
    assert own.other_agency == []


@pytest.mark.integration
def test_an_own_agency_answer_raises_no_transfer(rt: Runtime) -> None:
    result = rt.retriever.search(OWN_QUESTION, top_k=5, agency=WELFARE)
    assert agency_of(rt, result.hits[0].entry_id) == WELFARE
    assert result.other_agency == []


@pytest.mark.integration
def test_a_caller_of_no_agency_sees_every_entry_with_agency_entries_marked(rt: Runtime) -> None:
    for agency in (None, ""):
        hits = rt.retriever.search(TAX_QUESTION, top_k=20, agency=agency).hits
        assert any(agency_of(rt, h.entry_id) == NTS for h in hits)
        assert all(h.other_agency == agency_of(rt, h.entry_id) for h in hits)
        assert rt.retriever.search(TAX_QUESTION, agency=agency).other_agency == []


@pytest.mark.integration
def test_agency_search_costs_nothing_when_no_other_agency_has_entries(built_runtime: Runtime) -> None:
    """Without agency entries (the shipped KB) an agency-bound search equals the unrestricted one."""
    q, region = "출산장려금 얼마예요", "서울특별시 강남구"
    plain = built_runtime.retriever.search(q, region=region)
    bound = built_runtime.retriever.search(q, region=region, agency=WELFARE)
    assert [h.as_dict() for h in plain.hits] == [h.as_dict() for h in bound.hits]
    assert bound.other_agency == []


AG = {"a1": "nts", "a2": "nts", "b1": "police", "c": "", "o": "mohw"}.get


@pytest.mark.unit
@pytest.mark.parametrize(("order", "fused", "expected"), [
    (["a1", "c"], [1.10, 1.0], [0]),                       # ahead with the margin
    (["a1", "c"], [1.02, 1.0], []),                        # ahead, but too close to call
    (["c", "a1"], [1.20, 1.0], []),                        # a usable entry leads
    (["o", "a1"], [1.20, 1.0], []),                        # the caller's own agency's entry leads
    (["a1", "a2", "b1", "c"], [1.3, 1.2, 1.1, 1.0], [0, 2]),  # the best one per agency
    (["a1", "b1"], [0.5, 0.4], [0, 1]),                    # nothing usable at all: every leader counts
    (["a1", "b1", "c"], [1.2, 1.01, 1.0], [0]),            # each leader passes the margin on its own
])
def test_the_marking_rule(order, fused, expected) -> None:
    assert other_agency_leads(order, fused, lambda e: AG(e) or "", "mohw", margin=0.03, limit=5) == expected


@pytest.mark.unit
@pytest.mark.parametrize(("lead", "usable", "marked"), [
    ((0.90, 5.0), (0.85, 5.0), True),    # a clearly higher cosine
    ((0.86, 12.0), (0.86, 6.0), True),   # a clearly higher BM25
    ((0.894, 4.9), (0.893, 5.0), False),  # a look-alike: ahead by rank, not by what the retrievers measured
    ((0.90, 0.0), (0.91, 0.0), False),
])
def test_the_marking_rule_asks_for_better_evidence_than_rank(lead, usable, marked) -> None:
    evidence = {"a1": lead, "c": usable}.__getitem__
    got = other_agency_leads(["a1", "c"], [1.10, 1.0], lambda e: AG(e) or "", "mohw", margin=0.03, limit=2,
                             evidence=evidence)
    assert got == ([0] if marked else [])


@pytest.mark.unit
def test_the_marking_rule_keeps_at_most_limit() -> None:
    order, fused = ["a1", "b1", "c"], [1.3, 1.2, 1.0]
    assert other_agency_leads(order, fused, lambda e: AG(e) or "", "mohw", margin=0.03, limit=1) == [0]
    assert other_agency_leads(order, fused, lambda e: AG(e) or "", "mohw", margin=0.03, limit=0) == []
