"""Every real region over HTTP: callers from districts without local entries get the national
programmes (and their province's); a new district's entry is searchable by its region at once;
a region that does not exist is a clear 422 that lists the accepted forms."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("region, label", [
    ("인천광역시 서구", "인천광역시 서구"),
    ("광주광역시 북구", "전남광주통합특별시 북구"),
    ("경상북도 군위군", "대구광역시 군위군"),
    ("강원도 인제군", "강원특별자치도 인제군"),
    ("전라북도 완주군", "전북특별자치도 완주군"),
    ("수원시 장안구", "경기도 수원시"),
])
def test_callers_of_districts_without_local_entries_get_national_ones(rt, counselor, region, label):
    sido, sigungu = label.split(" ")
    assert not any(e.sigungu == sigungu and e.sido == sido for e in rt.manager.holder.snapshot.entries.values())
    r = counselor.post("/v1/search", json={"question": "기초연금 신청하려면 어떻게 해요", "region": region, "top_k": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["region"] == label and body["hits"]
    assert all(h["sido"] in ("", sido) and h["sigungu"] in ("", sigungu) for h in body["hits"])
    assert any(h["scope"] == "national" for h in body["hits"])
    advice = counselor.post("/v1/advise", json={"question": "기초연금 신청하려면 어떻게 해요", "region": region})
    assert advice.status_code == 200 and advice.json()["hits"]


def test_regions_lists_every_province_and_district(counselor):
    body = counselor.get("/v1/regions").json()
    assert body["sido"][0] == "서울특별시" and len(body["districts"]["서울특별시"]) == 25
    assert "군위군" in body["districts"]["대구광역시"] and "서해구" in body["districts"]["인천광역시"]
    assert sum(len(v) for v in body["districts"].values()) >= 226


def test_a_new_districts_entry_is_searchable_by_its_region_at_once(editor, counselor):
    new = {"entry_id": "test:geomdan-baby", "title": "검단구 출산축하 꾸러미 지원", "scope": "sigungu",
           "sido": "인천광역시", "sigungu": "검단구", "department": "검단구 가족정책과",
           "content": "검단구에 출생신고한 가정에 출산축하 꾸러미를 드립니다. 주민센터에서 신청합니다."}
    before = counselor.post("/v1/search", json={"question": "출산축하 꾸러미", "region": "인천광역시 검단구"})
    assert before.status_code == 200 and all(h["entry_id"] != new["entry_id"] for h in before.json()["hits"])
    assert editor.post("/v1/entries", json=new).status_code == 201
    hits = counselor.post("/v1/search", json={"question": "출산축하 꾸러미", "region": "인천광역시 검단구"}).json()["hits"]
    assert hits[0]["entry_id"] == new["entry_id"]
    others = counselor.post("/v1/search", json={"question": "출산축하 꾸러미", "region": "인천광역시 서해구"}).json()["hits"]
    assert all(h["entry_id"] != new["entry_id"] for h in others)


@pytest.mark.parametrize("region, listed", [
    ("인천광역시 아틀란티스구", "인천광역시 계양구"),
    ("아틀란티스", "서울특별시 강남구"),
])
def test_a_region_that_does_not_exist_is_a_clear_422(counselor, region, listed):
    r = counselor.post("/v1/search", json={"question": "기초연금", "region": region})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "UnknownRegion" and "Accepted forms" in err["message"] and listed in err["message"]


def test_an_ambiguous_district_names_the_choices(counselor):
    r = counselor.post("/v1/search", json={"question": "기초연금", "region": "고성군"})
    assert r.status_code == 422
    msg = r.json()["error"]["message"]
    assert "강원특별자치도 고성군" in msg and "경상남도 고성군" in msg
