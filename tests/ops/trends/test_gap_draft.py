"""From the knowledge-gap report to a published entry: a call whose question the manuals could not answer, the
counselor's own words in it, GET /v1/gaps/draft prefilled from both, then the ordinary draft → evaluation →
publish flow; and the route's bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.runtime import Runtime
from assistant.types import EntryRecord
from tests.browser.conftest import OFF_TOPIC
from tests.conftest import indexed_runtime, make_settings, write_quick_eval

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SAID = "여권은 가까운 구청 민원여권과에서 재발급 신청하시면 됩니다"


@pytest.fixture(scope="module")
def rt(database_url: str, tmp_path_factory: pytest.TempPathFactory, subset_records: list[EntryRecord]) -> Iterator[Runtime]:
    """The module's own knowledge base with three evaluation questions and a gate any run passes: a draft is
    scored in seconds."""
    tmp = tmp_path_factory.mktemp("gapdraft")
    rt = indexed_runtime(make_settings(tmp, database_url=database_url, **write_quick_eval(tmp, subset_records)),
                         subset_records)
    yield rt
    rt.engine.dispose()


@pytest.fixture(scope="module")
def gap(counselor, editor) -> dict:
    """A call in 강남구 whose citizen question lands in the gap report; the counselor answered it themselves."""
    call = counselor.post("/v1/calls", json={"region": "서울특별시 강남구"}).json()["call_id"]
    for question in OFF_TOPIC:
        r = counselor.post(f"/v1/calls/{call}/utterances", json={"speaker": "citizen", "text": question, "final": True})
        assert r.status_code == 200, r.text
        groups = editor.get("/v1/gaps").json()["groups"]
        found = next((g for g in groups if g["kind"] != "thumbs_down" and question in " ".join(g["questions"])), None)
        if found:
            break
    assert found, "one of the out-of-manual questions is a gap"
    assert counselor.post(f"/v1/calls/{call}/utterances",
                          json={"speaker": "counselor", "text": SAID, "final": True}).status_code == 200
    return {**found, "call_id": call, "question": question}


def test_the_draft_is_prefilled_from_the_questions_and_the_call(editor, gap):
    r = editor.get("/v1/gaps/draft", params={"suggestion_id": gap["suggestion_ids"]})
    assert r.status_code == 200, r.text
    d = r.json()
    assert any(gap["question"] in q for q in d["questions"]) and gap["question"].split()[0] in d["content"]
    assert SAID in d["content"]
    assert [rec["call_id"] for rec in d["records"]] == [gap["call_id"]]
    assert (d["scope"], d["sido"], d["sigungu"]) == ("sigungu", "서울특별시", "강남구")


def test_the_draft_goes_through_evaluation_and_publishing(editor, gap, rt):
    d = editor.get("/v1/gaps/draft", params={"suggestion_id": gap["suggestion_ids"]}).json()
    content = d["content"].split("\n\n", 1)[1] + f"\n안내: {SAID}"  # the editor drops the placeholder line
    changes = {k: d[k] for k in ("title", "scope", "sido", "sigungu", "category")} | {"content": content}
    r = editor.post("/v1/drafts", json={"action": "create", "entry_id": d["entry_id"], "base_version": 0,
                                        "changes": changes, "note": d["note"]})
    assert r.status_code == 201, r.text
    draft = rt.drafts.wait(r.json()["id"], timeout=240)
    assert draft.status == "ready" and draft.evaluation["n_questions"] == 3, draft.evaluation
    r = editor.post(f"/v1/drafts/{draft.id}/publish", json={"override": False})
    assert r.status_code == 200, r.text
    entry = editor.get(f"/v1/entries/{d['entry_id']}").json()
    assert entry["content"] == content and entry["version"] == 1 and entry["sigungu"] == "강남구"


@pytest.mark.parametrize(("params", "status", "says"), [
    ({}, 422, "suggestion_id"), ({"suggestion_id": "0"}, 422, "suggestion_id"),
    ({"suggestion_id": "abc"}, 422, "suggestion_id"), ({"suggestion_id": [str(i) for i in range(1, 202)]}, 422, "200"),
    ({"suggestion_id": "999999"}, 404, "suggestion not found: 999999"),
])
def test_bad_input(editor, params, status, says):
    r = editor.get("/v1/gaps/draft", params=params)
    assert r.status_code == status and says in r.json()["error"]["message"], r.text


def test_only_editors_draft(supervisor, gap):
    assert supervisor.get("/v1/gaps/draft", params={"suggestion_id": gap["suggestion_ids"]}).status_code == 403
