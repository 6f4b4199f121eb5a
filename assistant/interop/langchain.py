"""LangChain adapters: the hybrid retriever as a ``BaseRetriever``, the advisor as a ``Runnable``.

They let an existing LangChain pipeline use the region-aware retriever and the grounded advisor
unchanged; the logic stays in ``assistant`` (LangChain only wraps it).

>>> lc = AssistantRetriever(retriever=rt.retriever, region="서울특별시 강남구", k=5)   # doctest: +SKIP
>>> lc.invoke("출산장려금")[0].metadata["entry_id"]                                  # doctest: +SKIP
>>> advisor_runnable(rt.advisor).invoke({"question": "기초연금 신청", "region": None})["answer"]   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.advisor.service import Advisor
from assistant.retrieval.hybrid import HybridRetriever


class AssistantRetriever(BaseRetriever):
    """One ``Document`` per entry: the best chunk as page content, ids, version and scores as metadata."""

    retriever: Any  # HybridRetriever (pydantic cannot validate the plain class)
    region: str | None = None
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[Document]:
        r: HybridRetriever = self.retriever
        result = r.search(query, region=self.region, top_k=self.k)
        return [Document(page_content=h.snippet, id=h.entry_id, metadata=h.as_dict()) for h in result.hits]


def advisor_runnable(advisor: Advisor) -> Runnable[dict[str, Any], dict[str, Any]]:
    """``{"question", "region"?, "top_k"?}`` → the answer as a dict (``Answer.as_dict``)."""

    def run(inputs: dict[str, Any]) -> dict[str, Any]:
        answer = advisor.advise(inputs["question"], region=inputs.get("region"), top_k=inputs.get("top_k"))
        return answer.as_dict()

    return RunnableLambda(run, name="counselor_advisor")
