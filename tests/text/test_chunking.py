import pytest

from assistant.text.chunking import chunk_entry
from assistant.types import EntryRecord, Scope

pytestmark = pytest.mark.unit


def entry(content, **kw):
    return EntryRecord(entry_id="mohw:x/y", title="기초연금", content=content, scope=kw.pop("scope", Scope.national), **kw)


def test_short_entry_is_a_title_chunk_and_one_body_chunk_both_with_title_and_region():
    e = entry("대상은 어르신입니다.", scope=Scope.sigungu, sido="서울특별시", sigungu="강남구")
    title, body = chunk_entry(e)
    assert (title.chunk_id, body.chunk_id) == ("mohw:x/y#0", "mohw:x/y#1")
    assert title.text == "[서울특별시 강남구] 기초연금"
    assert body.text.startswith("[서울특별시 강남구] 기초연금\n대상은")


def test_long_entry_splits_on_paragraphs_with_stable_ids_and_sections():
    paras = ["기초연금의 대상은 만 65세 이상입니다. " * 10, "기초연금의 신청방법은 주민센터 방문입니다. " * 10,
             "기초연금에 대한 문의는 129로 하시면 됩니다. " * 10]
    e = entry("\n\n".join(paras))
    chunks = chunk_entry(e, max_chars=300)
    assert [c.chunk_id for c in chunks] == [f"mohw:x/y#{i}" for i in range(len(chunks))]
    assert chunks[0].section == "제목" and len(chunks) > 2
    assert all(len(c.text) <= 300 + len("기초연금\n") for c in chunks)
    assert {"대상", "신청방법", "문의"} <= {c.section for c in chunks}
    assert chunk_entry(e, max_chars=300) == chunks
    joined = " ".join(c.text for c in chunks)
    assert "129" in joined and "만 65세" in joined
