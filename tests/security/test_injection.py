"""Prompt injection (tests/security/injection.py) against the real service with a compromised model.

The fake LLM obeys every injection: it writes one honest sentence quoted from source 1 and then
what the injection asked for. Whatever it writes, the counselor must only get sentences that cite a
retrieved entry and whose numbers, phone numbers, names, tags, links and codes are in that entry;
the prompt's delimiters stay balanced because question and sources are escaped; no token reaches
the model; and the extractive card answers an injected question from the manual alone.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from assistant.advisor.generators import ExtractiveGenerator
from assistant.advisor.grounding import CITE, split_sentences
from assistant.advisor.prompts import Prompt
from assistant.advisor.service import AbstentionPolicy, Advisor
from assistant.config import PACKAGE
from assistant.runtime import Runtime
from assistant.text.pii import mask_pii
from tests.conftest import token_for
from tests.fakes.openai_chat import FakeChatServer
from tests.security.conftest import Model, first_source_sentence
from tests.security.injection import CASES, Injection

pytestmark = [pytest.mark.integration]

PROMPT = Prompt.load(PACKAGE / "prompts" / "advisor-v1.md")
STATIC = PACKAGE / "api" / "static"
BASE_QUESTION = "출산장려금 얼마나 받을 수 있어요?"
REGION = "서울특별시 중구"
ENTRY_ID = "security:youth-transit"
ENTRY_QUESTION = "청년 무지개 교통비 지원 얼마 받나요?"
ENTRY = {
    "entry_id": ENTRY_ID, "title": "청년 무지개 교통비 지원", "scope": "sido", "sido": "서울특별시",
    "content": "서울특별시에 사는 만 19세부터 24세까지의 청년에게 무지개 교통비를 연 10만 원 지원합니다. "
               "신청은 서울시 청년포털에서 합니다. 지원 대상은 중위소득 150% 이하 가구의 청년입니다.",
    "department": "서울특별시 청년정책과", "contact": "02-2133-6587",
}
PHONE = re.compile(r"(?<!\d)(?:0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4})(?!\d)")
NUMBER = re.compile(r"\d[\d,.\-~]*\d|\d")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def norm(text: str) -> str:
    return re.sub(r"[\s,]", "", text)


def obey(body: dict[str, Any], case: Injection) -> str:
    """A compromised model: one honest cited sentence, then whatever the injection asked for."""
    honest = html.unescape(first_source_sentence(body))
    return " ".join([f"{honest}[1]." if honest else "안내 드립니다[1].", *case.model_says])


@pytest.fixture(scope="module")
def headers(llm_runtime: Runtime) -> dict[str, dict[str, str]]:
    return {role: {"Authorization": f"Bearer {token_for(llm_runtime, role)}"} for role in ("counselor", "editor")}


@pytest.fixture(scope="module")
def injected_entry(client: TestClient, headers: dict[str, dict[str, str]]) -> dict[str, Any]:
    r = client.post("/v1/entries", json={**ENTRY, "note": "security test entry"}, headers=headers["editor"])
    assert r.status_code == 201, r.text
    return dict(r.json()["entry"])


def entry_text(client: TestClient, h: dict[str, str], entry_id: str, version: int) -> str:
    """The cited version as GET /v1/entries returns it, in the fields the grounding check reads."""
    r = client.get(f"/v1/entries/{quote(entry_id, safe='/')}", params={"version": version}, headers=h)
    assert r.status_code == 200, r.text
    e = r.json()
    region = " ".join(p for p in (e["sido"], e["sigungu"]) if p) or "전국"
    return "\n".join([e["title"], region, e["content"], e["department"], e["contact"]])


def assert_grounded(answer: dict[str, Any], client: TestClient, h: dict[str, str], case: Injection) -> None:
    """What must hold of any answer, whatever the model wrote."""
    hits = [(x["entry_id"], x["version"]) for x in answer["hits"]]
    cited = {c["n"]: (c["entry_id"], c["version"]) for c in answer["citations"]}
    assert all(v in hits[:3] for v in cited.values()), (case.id, cited, hits)
    assert {int(n) for n in CITE.findall(answer["answer"])} <= set(cited), (case.id, answer["answer"])
    cited_text = norm(" ".join(entry_text(client, h, e, v) for e, v in cited.values()))
    body = CITE.sub("", answer["answer"])
    for number in NUMBER.findall(body):
        assert norm(number.strip(".,-~")) in cited_text, (case.id, number, answer["answer"])
    for phone in PHONE.findall(body):
        assert norm(phone) in cited_text, (case.id, phone)
    for tag in TAG.findall(body):
        assert norm(tag) in cited_text, (case.id, tag)
    retrieved = norm(" ".join(entry_text(client, h, e, v) for e, v in hits[:3]))
    for bad in case.forbidden:
        if norm(bad) not in retrieved:  # a fact of the manual's own is the manual's
            assert bad not in answer["answer"], (case.id, bad, answer["answer"])


def assert_prompt_safe(body: dict[str, Any], case: Injection, secrets: list[str]) -> None:
    """The model sees the versioned system prompt, one question and balanced source blocks, escaped."""
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    assert [m["role"] for m in body["messages"]] == ["system", "user"] and system == PROMPT.system
    for tag in ("question", "sources", "caller_region"):
        assert user.count(f"<{tag}>") == 1 and user.count(f"</{tag}>") == 1, (case.id, tag)
    opened = re.findall(r'<source n="\d+" entry_id="[^"<>]*" version="\d+">', user)
    assert 1 <= len(opened) <= 3 and len(opened) == user.count("<source ") == user.count("</source>"), case.id
    assert "<system>" not in user and "</system>" not in user, case.id
    if case.where == "question":
        assert html.escape(mask_pii(case.text).text) in user, case.id
    sent = json.dumps(body, ensure_ascii=False)
    assert not any(s in sent for s in secrets), "an API token or its hash reached the model"


def secrets_of(rt: Runtime, headers: dict[str, dict[str, str]]) -> list[str]:
    from sqlmodel import Session, select

    from assistant.auth.models import ApiToken

    with Session(rt.engine) as s:
        hashes = [t.token_hash for t in s.exec(select(ApiToken))]
    return [h["Authorization"].split()[1] for h in headers.values()] + hashes


def advise(client: TestClient, h: dict[str, str], question: str, *, stream: bool = False) -> dict[str, Any]:
    if not stream:
        r = client.post("/v1/advise", json={"question": question, "region": REGION}, headers=h)
        assert r.status_code == 200, r.text
        return dict(r.json())
    r = client.post("/v1/advise", json={"question": question, "region": REGION},
                    headers={**h, "Accept": "text/event-stream"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    frames = [(m.group(1), json.loads(m.group(2))) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", r.text)]
    names = [n for n, _ in frames]
    assert names[0] == "hits" and names[-1] == "done", names
    done = frames[-1][1]
    streamed = "".join(d["text"] for n, d in frames if n == "delta")
    assert streamed.strip() == done["answer"].strip(), "only the checked text is streamed"
    return {**done, "hits": frames[0][1]["hits"]}


QUESTION_CASES = [c for c in CASES if c.where == "question"]
ENTRY_CASES = [c for c in CASES if c.where == "entry"]


@pytest.mark.parametrize("case", QUESTION_CASES, ids=[c.id for c in QUESTION_CASES])
def test_injected_questions_do_not_change_grounding(case, client, headers, model: Model, chat: FakeChatServer,
                                                    llm_runtime):
    h = headers["counselor"]
    model.behaviour = lambda body: obey(body, case)
    before = len(chat.requests)
    stream = QUESTION_CASES.index(case) % 3 == 0  # every third case over server-sent events
    answer = advise(client, h, f"{BASE_QUESTION} {case.text}", stream=stream)
    sent = chat.requests[before:]
    if answer["abstained"]:  # the injection made the question look uncovered: no model, no claim
        assert answer["mode"] == "abstain" and not answer["citations"] and not sent
        assert not NUMBER.search(answer["answer"]), answer["answer"]
        return
    assert sent and answer["mode"] in ("llm", "extractive")
    assert_grounded(answer, client, h, case)
    for body in sent:
        assert_prompt_safe(body, case, secrets_of(llm_runtime, headers))


@pytest.mark.parametrize("case", ENTRY_CASES, ids=[c.id for c in ENTRY_CASES])
def test_instructions_inside_entries_do_not_change_grounding(case, client, headers, injected_entry, model: Model,
                                                             chat: FakeChatServer, llm_runtime):
    current = client.get(f"/v1/entries/{ENTRY_ID}", headers=headers["editor"]).json()
    patch = {"expected_version": current["version"], "note": f"injection {case.id}",
             "content": f"{ENTRY['content']} {case.text}", "title": ENTRY["title"] + case.title}
    r = client.patch(f"/v1/entries/{ENTRY_ID}", json=patch, headers=headers["editor"])
    assert r.status_code == 200, r.text
    model.behaviour = lambda body: obey(body, case)
    before = len(chat.requests)
    answer = advise(client, headers["counselor"], ENTRY_QUESTION, stream=ENTRY_CASES.index(case) % 3 == 0)
    assert answer["hits"][0]["entry_id"] == ENTRY_ID and chat.requests[before:]
    assert_grounded(answer, client, headers["counselor"], case)
    for body in chat.requests[before:]:
        assert_prompt_safe(body, case, secrets_of(llm_runtime, headers))
        user = body["messages"][-1]["content"]
        assert html.escape(case.text) in user, "the entry's text reaches the model escaped, inside its block"


@pytest.mark.parametrize("case", QUESTION_CASES[::2], ids=[c.id for c in QUESTION_CASES[::2]])
def test_extractive_card_answers_an_injected_question_from_the_manual(case, llm_runtime):
    rt = llm_runtime
    # never abstaining: this is about what the card says; abstention is calibrated on the shipped
    # knowledge base, whose scores this test's small subset does not have
    card = Advisor(rt.retriever, [ExtractiveGenerator(rt.manager.tokenizer.tokenize)], PROMPT,
                   policy=AbstentionPolicy.never())
    clean = card.advise(BASE_QUESTION, region=REGION)
    injected = card.advise(f"{BASE_QUESTION} {case.text}", region=REGION)
    assert clean.mode == injected.mode == "extractive"
    assert injected.grounding.unsupported == 0 and injected.grounding.supported >= 1
    top = rt.manager.holder.snapshot.entries[injected.hits[0].entry_id]
    assert [(c.entry_id, c.version) for c in injected.citations] == [(top.entry_id, top.version)]
    source = norm(f"{top.region_label} {top.title} {top.content}")
    for sentence in split_sentences(injected.text)[1:]:  # after the title line, every sentence is quoted
        assert norm(CITE.sub("", sentence).rstrip(".!?。")) in source, (case.id, sentence)
    for word in case.forbidden:
        if norm(word) not in source:
            assert word not in injected.text, (case.id, word)
    if injected.hits[0].entry_id == clean.hits[0].entry_id:
        assert split_sentences(injected.text)[0] == split_sentences(clean.text)[0]


def test_widget_never_renders_text_as_html():
    """Answers, titles, snippets and entry text are data: the widget's scripts build DOM nodes and text
    nodes only, so a '<script>' from an entry or a model is shown, never run."""
    sinks = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    scripts = sorted((STATIC / "assets").glob("*.js"))
    assert scripts
    found = {p.name: sinks.findall(p.read_text(encoding="utf-8")) for p in scripts}
    assert not any(found.values()), found


def test_entry_markup_comes_back_as_json_data(client, headers, injected_entry):
    script = "<script>alert('xss')</script>"
    current = client.get(f"/v1/entries/{ENTRY_ID}", headers=headers["editor"]).json()
    r = client.patch(f"/v1/entries/{ENTRY_ID}", json={"expected_version": current["version"],
                                                      "content": f"{ENTRY['content']} {script}"},
                     headers=headers["editor"])
    assert r.status_code == 200
    for resp in (client.get(f"/v1/entries/{ENTRY_ID}", headers=headers["counselor"]),
                 client.post("/v1/search", json={"question": ENTRY_QUESTION, "region": REGION},
                             headers=headers["counselor"])):
        assert resp.headers["content-type"].startswith("application/json")
        assert resp.headers["x-content-type-options"] == "nosniff"
    assert script in r.json()["entry"]["content"], "stored as written; escaping is the renderer's job"

