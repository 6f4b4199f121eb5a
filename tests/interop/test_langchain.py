import pytest

pytest.importorskip("langchain_core")

from assistant.interop.langchain import AssistantRetriever, advisor_runnable  # noqa: E402

pytestmark = pytest.mark.integration


def test_retriever_is_a_langchain_retriever_with_region(built_runtime):
    lc = AssistantRetriever(retriever=built_runtime.retriever, region="부산광역시 중구", k=4)
    docs = lc.invoke("출산장려금 받고 싶어요")
    assert len(docs) == 4
    assert all(d.metadata["sido"] in ("", "부산광역시") for d in docs)
    assert docs[0].id == docs[0].metadata["entry_id"] and docs[0].page_content
    assert [d.metadata["entry_id"] for d in docs] == [h.entry_id for h in built_runtime.retriever.search(
        "출산장려금 받고 싶어요", region="부산광역시 중구", top_k=4).hits]


def test_advisor_is_a_runnable_and_composes(built_runtime):
    from langchain_core.runnables import RunnableLambda

    chain = RunnableLambda(lambda q: {"question": q, "region": "서울특별시 중구"}) | advisor_runnable(built_runtime.advisor)
    out = chain.invoke("출산장려금 얼마예요?")
    assert out["mode"] in ("extractive", "abstain")
    assert out["grounding"]["unsupported"] == 0
    assert chain.batch(["출산장려금", "기초연금"])[1]["hits"]
