"""A tiny two-agency corpus over the test subset (the common layer): a welfare counselling agency with an
entry of its own, and the tax office with two, on topics the common layer does not cover."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from assistant.types import EntryRecord, Scope

WELFARE, NTS = "welfare", "nts"
AGENCIES = {WELFARE: ("복지상담센터", "129"), NTS: ("국세청", "126")}
TAX_QUESTION = "종합소득세 신고는 언제까지 해야 돼요"
OWN_QUESTION = "혼자 사는 어르신 안부 확인 방문 신청"


def agency_records() -> list[EntryRecord]:
    return [
        EntryRecord(
            entry_id=f"{WELFARE}:care/visit", title="홀몸 어르신 안부 확인 방문 신청", scope=Scope.national,
            content="혼자 사는 65세 이상 어르신의 안부를 주 1회 전화와 방문으로 확인합니다.\n\n"
                    "신청은 가족이나 이웃이 복지상담센터에 전화로 할 수 있습니다.",
            department="복지상담센터", contact="129", agency=WELFARE),
        EntryRecord(
            entry_id=f"{NTS}:income-tax/filing", title="종합소득세 신고 기한과 방법", scope=Scope.national,
            content="종합소득세는 매년 5월 1일부터 5월 31일까지 주소지 관할 세무서에 신고하고 납부합니다.\n\n"
                    "홈택스나 손택스에서 전자신고할 수 있고, 신고 기한을 넘기면 무신고 가산세가 붙습니다.",
            department="국세청 소득세과", contact="126", agency=NTS),
        EntryRecord(
            entry_id=f"{NTS}:year-end/settlement", title="연말정산 간소화 서비스", scope=Scope.national,
            content="근로자의 연말정산에 필요한 소득·세액공제 증명자료를 1월 15일부터 홈택스에서 조회할 수 있습니다.",
            department="국세청 원천세과", contact="126", agency=NTS),
    ]


def add_agencies(engine: Engine) -> None:
    """The two agencies' rows (name and contact line), as ``assistant agency create`` would make them."""
    from sqlmodel import Session

    from assistant.agencies.models import Agency

    with Session(engine) as s:
        for code, (name, contact) in AGENCIES.items():
            s.add(Agency(code=code, name=name, contact=contact, created_by="tests"))
        s.commit()
