import pytest

from assistant.advisor.grounding import check_grounding, claims, split_sentences

pytestmark = pytest.mark.unit

SOURCES = ["LPG 시설개선. 시공비 약 25만 원 중 20만 원 상당 지원. 자부담은 5만 원. 한국가스안전공사 1544-4500.",
           "기초연금은 주민센터(행정복지센터)에서 신청. 문의 129."]


def test_supported_sentences_are_kept():
    report, kept = check_grounding("20만 원을 지원합니다[1]. 문의는 1544-4500입니다[1]. 129로 문의하세요[2].", SOURCES)
    assert report.unsupported == 0 and report.supported == 3
    assert kept.count("[") == 3


def test_numbers_phones_and_departments_must_be_in_the_cited_source():
    answer = "30만 원을 지원합니다[1]. 문의는 1544-4501입니다[1]. 1544-4500은 [2]에 있습니다[2]. 강남구청 복지정책과로 가세요[1]."
    report, kept = check_grounding(answer, SOURCES)
    assert report.unsupported == 4 and kept == ""
    assert "not in cited source: 30" in report.reasons[0]


def test_sentences_without_a_valid_citation_are_removed():
    report, kept = check_grounding("지원합니다. 지원합니다[3]. 한국가스안전공사에 문의하세요[1].", SOURCES)
    assert report.unsupported == 2 and kept == "한국가스안전공사에 문의하세요[1]."
    assert "cites no retrieved source" in report.reasons[0] and "unknown source" in report.reasons[1]


def test_citation_after_the_full_stop_belongs_to_its_sentence():
    assert split_sentences("20만 원입니다. [1] 5만 원입니다. [1]") == ["20만 원입니다[1].", "5만 원입니다[1]."]


def test_claims_extracts_amounts_phones_and_organisations():
    c = claims("한국가스안전공사(1544-4500)에서 25만 원 중 20만 원을 지원합니다[1].")
    assert {"1544-4500", "25", "20", "한국가스안전공사"} <= set(c)


def test_a_web_address_must_be_in_the_cited_source_with_or_without_www():
    sources = ["신청은 누리집 www.bokjiro.go.kr 에서 합니다. 영상은 tv.kcmf.or.kr 에서 봅니다."]
    answer = ("신청은 www.bokjiro.go.kr 에서 합니다[1]. 영상은 tv.kcmf.or.kr 에서 봅니다[1]. "
              "신청은 bokjiro.kr 에서 합니다[1]. 자세한 내용은 welfare.seoul.com/apply 에 있습니다[1].")
    report, kept = check_grounding(answer, sources)
    assert report.unsupported == 2 and "bokjiro.kr" in report.reasons[0] and "welfare.seoul.com" in report.reasons[1]
    assert "tv.kcmf.or.kr" in kept
