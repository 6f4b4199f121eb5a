"""Editors over HTTP: every change is a new version, searchable when the response arrives, audited;
a stale version is a 409 that writes nothing; bad input is a clear 4xx that changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import auth_headers

pytestmark = pytest.mark.integration


def gangnam_entry(client) -> dict:
    page = client.get("/v1/entries", params={"region": "서울특별시 강남구", "limit": 1}).json()
    assert page["count"] >= 1
    return page["data"][0]


def top_hit(client, question: str, region: str = "서울특별시 강남구") -> dict:
    return client.post("/v1/search", json={"question": question, "region": region, "top_k": 3}).json()["hits"][0]


def test_edit_is_a_new_version_searchable_at_once_and_audited(editor, counselor, rt):
    entry = gangnam_entry(editor)
    r = editor.patch(f"/v1/entries/{entry['entry_id']}", json={
        "expected_version": entry["version"], "content": "강남구 반려식물 병원 무료 진료 안내입니다.", "note": "봄 개편"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entry"]["version"] == entry["version"] + 1 and body["entry"]["author"].startswith("test-editor")
    assert body["indexed_kb_version"] == rt.manager.holder.snapshot.kb_version
    hit = top_hit(counselor, "반려식물 병원 무료 진료")
    assert (hit["entry_id"], hit["version"]) == (entry["entry_id"], entry["version"] + 1)
    old = counselor.get(f"/v1/entries/{entry['entry_id']}", params={"version": entry["version"]}).json()
    assert old["content"] == entry["content"], "the old version is kept, unchanged"
    history = counselor.get(f"/v1/entries/{entry['entry_id']}/history").json()
    assert [v["version"] for v in history["data"]][-2:] == [entry["version"], entry["version"] + 1]
    assert history["data"][-1]["change_note"] == "봄 개편"
    diff = counselor.get(f"/v1/entries/{entry['entry_id']}/diff").json()
    changes = {c["field"]: c for c in diff["changes"]}
    assert set(changes) <= {"content", "updated"} and "content" in changes
    assert hit["updated"] == body["entry"]["updated"] >= entry["updated"], "cards show the edit's date"
    assert any(line.startswith("+강남구 반려식물") for line in diff["content_diff"])
    audit = editor.get("/v1/audit", params={"target": entry["entry_id"]}, headers=auth_headers(rt, "qa")).json()
    assert audit["data"][0]["action"] == "entry.update" and audit["data"][0]["version"] == entry["version"] + 1


def test_stale_version_is_409_with_the_current_version_and_writes_nothing(editor):
    entry = gangnam_entry(editor)
    ok = editor.patch(f"/v1/entries/{entry['entry_id']}", json={"expected_version": entry["version"],
                                                                 "title": entry["title"] + " (개정)"})
    assert ok.status_code == 200
    stale = editor.patch(f"/v1/entries/{entry['entry_id']}", json={"expected_version": entry["version"],
                                                                    "title": "덮어쓰기 시도"})
    assert stale.status_code == 409
    err = stale.json()["error"]
    assert err["code"] == "VersionConflict" and err["current_version"] == entry["version"] + 1
    now = editor.get(f"/v1/entries/{entry['entry_id']}").json()
    assert now["version"] == entry["version"] + 1 and now["title"] == entry["title"] + " (개정)"


def test_create_then_retire(editor, counselor):
    new = {"entry_id": "test:night-pharmacy", "title": "심야 공공약국 운영 안내", "scope": "sigungu",
           "sido": "서울특별시", "sigungu": "강남구", "content": "강남구 심야 공공약국은 밤 10시부터 새벽 1시까지 운영합니다.",
           "department": "보건소 의약과", "contact": "02-3423-7140"}
    r = editor.post("/v1/entries", json=new)
    assert r.status_code == 201 and r.json()["entry"]["version"] == 1
    assert top_hit(counselor, "심야 공공약국 몇 시까지 해요")["entry_id"] == "test:night-pharmacy"
    assert editor.post("/v1/entries", json=new).status_code == 409, "an existing id is a conflict"
    retired = editor.post("/v1/entries/test:night-pharmacy/retire", json={"expected_version": 1, "note": "사업 종료"})
    assert retired.status_code == 200 and retired.json()["entry"]["status"] == "retired"
    hits = counselor.post("/v1/search", json={"question": "심야 공공약국", "region": "서울특별시 강남구"}).json()["hits"]
    assert "test:night-pharmacy" not in [h["entry_id"] for h in hits]
    listed = editor.get("/v1/entries", params={"q": "심야 공공약국", "status": "retired"}).json()
    assert [e["entry_id"] for e in listed["data"]] == ["test:night-pharmacy"]


def test_ids_with_slashes_work_everywhere(counselor):
    page = counselor.get("/v1/entries", params={"q": "mohw:", "limit": 1}).json()
    entry_id = page["data"][0]["entry_id"]
    assert "/" in entry_id
    assert counselor.get(f"/v1/entries/{entry_id}").json()["entry_id"] == entry_id
    assert counselor.get(f"/v1/entries/{entry_id}/history").json()["count"] >= 1


def test_import_dry_run_then_real_all_or_nothing(editor, counselor, tmp_path):
    rows = [{"entry_id": f"test:import-{i}", "title": f"구립 수영장 할인 {i}", "content": f"구민 수영장 {i}번 할인 안내",
             "scope": "sigungu", "sido": "서울특별시", "sigungu": "강남구"} for i in range(3)]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    files = {"file": ("new.jsonl", data, "application/x-ndjson")}
    dry = editor.post("/v1/entries/import", files=files, data={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert sorted(dry.json()["reports"][0]["added"]) == [r["entry_id"] for r in rows]
    assert editor.get("/v1/entries/test:import-0").status_code == 404, "a dry run writes nothing"
    bad = data + b"\n{\"entry_id\": \"test:broken\"}"
    r = editor.post("/v1/entries/import", files={"file": ("bad.jsonl", bad, "application/x-ndjson")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "ImportValidationError"
    assert editor.get("/v1/entries/test:import-0").status_code == 404, "one bad row: nothing imported"
    real = editor.post("/v1/entries/import", files={"file": ("new.jsonl", data, "application/x-ndjson")})
    assert real.status_code == 200 and len(real.json()["reports"][0]["added"]) == 3
    assert top_hit(counselor, "구립 수영장 할인")["entry_id"].startswith("test:import-")


@pytest.mark.parametrize("method, path, body, status, code", [
    ("get", "/v1/entries/no-such-entry", None, 404, "EntryNotFound"),
    ("patch", "/v1/entries/no-such-entry", {"expected_version": 1, "title": "x"}, 404, "EntryNotFound"),
    ("get", "/v1/entries/no-such-entry/history", None, 404, "EntryNotFound"),
    ("patch", "/v1/entries/x", {"title": "no version"}, 422, "ValidationError"),
    ("patch", "/v1/entries/x", {"expected_version": "one"}, 422, "ValidationError"),
    ("post", "/v1/entries", {"entry_id": "e", "title": "", "content": "c", "scope": "national"}, 422, "ValidationError"),
    ("post", "/v1/entries", {"entry_id": "e", "title": "t", "content": "c", "scope": "planet"}, 422, "ValidationError"),
    ("get", "/v1/entries?region=아틀란티스", None, 422, "UnknownRegion"),
    ("get", "/v1/entries?limit=100000", None, 422, "ValidationError"),
])
def test_bad_input_is_a_clear_4xx(editor, method, path, body, status, code):
    r = getattr(editor, method)(path, **({"json": body} if body is not None else {}))
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text


def test_counselors_read_but_cannot_write(counselor):
    entry = gangnam_entry(counselor)
    r = counselor.patch(f"/v1/entries/{entry['entry_id']}", json={"expected_version": entry["version"], "title": "x"})
    assert r.status_code == 403
    assert counselor.get(f"/v1/entries/{entry['entry_id']}").json()["version"] == entry["version"]
