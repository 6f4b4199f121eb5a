import json

import pytest

from assistant.errors import ImportValidationError
from assistant.kb import importers
from assistant.types import Scope
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.unit

needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data is not beside the checkout")


@needs_shared
def test_shared_data_converts_to_4746_entries_with_documented_ids():
    records = importers.read_shared_data(SHARED_DATA)
    assert len(records) == 4746
    ids = {r.entry_id for r in records}
    assert "mohw:01_생계_지원/01_LPG용기_사용가구_시설개선" in ids
    assert "WLF00002497" in ids
    seoul = [r for r in records if r.sido == "서울특별시"]
    assert len(seoul) == 395
    assert sum(1 for r in records if r.scope == Scope.national) == 464


@needs_shared
def test_shipped_knowledge_base_is_the_conversion_of_shared_data(shipped_records):
    converted = importers.read_shared_data(SHARED_DATA)
    assert [importers.record_to_json(r) for r in converted] == [importers.record_to_json(r) for r in shipped_records]


def test_education_office_rows_become_city_wide_agencies():
    r = importers.local_row_to_record({"id": "W1", "name": "n", "sido": "서울특별시", "sigungu": "서울특별시교육청",
                                       "summary": "s", "dept": "서울특별시교육청 과"})
    assert (r.scope, r.sido, r.sigungu) == (Scope.agency, "서울특별시", "")


def test_malformed_local_rows_are_all_reported(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"rows": [{"id": "W1", "name": "a", "sido": "서울특별시"},
                                         {"id": "", "name": "b", "sido": "x"},
                                         {"id": "W1", "name": "c", "sido": "부산광역시"}]}), encoding="utf-8")
    with pytest.raises(ImportValidationError) as exc:
        importers.read_welfare_local(path)
    assert len(exc.value.problems) == 2
    assert "row 2" in str(exc.value) and "duplicate" in str(exc.value)


def test_not_json_at_all(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportValidationError):
        importers.read_welfare_local(path)


MAPPING = """
source = "seoul120"
entry_id_prefix = "s120:"
[fields]
entry_id = "번호"
title = "제목"
content = ["질문", "답변"]
sigungu = "자치구"
scope = "범위"
tags = "키워드"
[scope_values]
"구" = "sigungu"
"시" = "sido"
[defaults]
sido = "서울특별시"
"""


@pytest.fixture()
def mapping(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text(MAPPING, encoding="utf-8")
    return importers.Mapping.load(p)


def test_csv_with_mapping(tmp_path, mapping):
    p = tmp_path / "x.csv"
    p.write_text("번호,제목,질문,답변,자치구,범위,키워드\n1,주차 요금,얼마?,시간당 1천원,강남구,구,주차;요금\n"
                 "2,여권,어디서?,구청 민원실,,시,여권\n", encoding="utf-8-sig")
    recs = importers.read_tabular(p, mapping)
    assert [r.entry_id for r in recs] == ["s120:1", "s120:2"]
    assert recs[0].content == "질문: 얼마?\n답변: 시간당 1천원"
    assert (recs[0].scope, recs[0].sido, recs[0].sigungu, recs[0].tags) == (Scope.sigungu, "서울특별시", "강남구",
                                                                          ("주차", "요금"))
    assert recs[1].scope == Scope.sido


def test_xlsx_and_jsonl_with_mapping(tmp_path, mapping):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["번호", "제목", "질문", "답변", "자치구", "범위"])
    ws.append([7, "제목", "질문", "답변", "마포구", "구"])
    wb.save(tmp_path / "x.xlsx")
    assert importers.read_tabular(tmp_path / "x.xlsx", mapping)[0].entry_id == "s120:7"
    (tmp_path / "x.jsonl").write_text(json.dumps({"번호": "9", "제목": "t", "답변": "a"}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    assert importers.read_tabular(tmp_path / "x.jsonl", mapping)[0].content == "답변: a"


def test_bad_rows_are_reported_per_row(tmp_path, mapping):
    p = tmp_path / "x.csv"
    p.write_text("번호,제목,질문,답변,범위\n1,,q,a,구\n2,t,q,a,우주\n1,t,q,a,구\n", encoding="utf-8")
    with pytest.raises(ImportValidationError) as exc:
        importers.read_tabular(p, mapping)
    msg = str(exc.value)
    assert "row 2: empty title" in msg and "row 3: scope '우주'" in msg


def test_mapping_errors_name_the_problem(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text('source = "x"\n[fields]\ntitle = "a"\nbogus = "b"\n', encoding="utf-8")
    with pytest.raises(ImportValidationError) as exc:
        importers.Mapping.load(p)
    assert "bogus" in str(exc.value) and "entry_id" in str(exc.value)


def test_mapping_that_matches_no_column(tmp_path, mapping):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportValidationError, match="none of the mapped columns"):
        importers.read_tabular(p, mapping)


def test_example_mapping_in_the_repo_loads():
    from assistant.config import ROOT

    m = importers.Mapping.load(ROOT / "knowledge_base" / "mappings" / "seoul120-example.toml")
    assert m.source == "seoul120"
