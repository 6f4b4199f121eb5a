"""Personal data as callers say it and speech-to-text writes it, mixed into Korean sentences.

Each case has the sentence and the ``needle``: the identifying part that must never be found
again (digits only for numbers, so a leak is found whatever separators it is written with; the
address itself for e-mail). All values are made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pii:
    id: str
    kind: str
    text: str
    needle: str

    def found_in(self, haystack: str) -> bool:
        if self.kind == "email":
            return self.needle.lower() in haystack.lower()
        return self.needle in re.sub(r"\D", "", haystack)


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _case(id: str, kind: str, text: str, value: str) -> Pii:
    return Pii(id, kind, text, value if kind == "email" else _digits(value))


CASES: tuple[Pii, ...] = (
    # 주민등록번호 / 외국인등록번호
    _case("rrn-hyphen", "rrn", "제 주민번호는 850315-1234561이에요 기초연금 되나요", "850315-1234561"),
    _case("rrn-nohyphen", "rrn", "주민등록번호 8503151234561 불러드릴게요 출산장려금 문의요", "8503151234561"),
    _case("rrn-space", "rrn", "주민번호 850315 2234562 맞고요 주거급여 신청하려고요", "850315 2234562"),
    _case("rrn-stt-digits", "rrn", "주민번호가 8 5 0 3 1 5 1 2 3 4 5 6 3 이고 생계급여 문의", "8503151234563"),
    _case("rrn-stt-groups", "rrn", "네 팔오공삼일오 아니 850315 - 2345674 입니다 긴급복지 신청", "850315-2345674"),
    _case("rrn-endash", "rrn", "주민등록번호는 920704–1456785 입니다 장애인연금 문의드려요", "920704–1456785"),
    _case("rrn-2000s", "rrn", "아이 주민번호 150101-3123456로 아동수당 신청했어요", "150101-3123456"),
    _case("arc-hyphen", "arc", "외국인등록번호 900520-5123457 인데 다문화가족 지원 받을 수 있나요", "900520-5123457"),
    _case("arc-nohyphen", "arc", "제 외국인 등록번호 9005206234568 이고 통역 서비스 문의", "9005206234568"),
    _case("arc-space", "arc", "외국인등록번호 900520 7345679 으로 출산 지원 신청 가능한가요", "900520 7345679"),
    # 휴대전화
    _case("mobile-hyphen", "phone", "연락처는 010-2345-6789이고 기초연금 상담 원해요", "010-2345-6789"),
    _case("mobile-nohyphen", "phone", "제 번호 01023456780 으로 문자 주세요 출산장려금", "01023456780"),
    _case("mobile-space", "phone", "010 3456 7891로 전화 부탁드려요 주거급여 신청", "010 3456 7891"),
    _case("mobile-dots", "phone", "핸드폰 010.4567.8912 입니다 생계급여 알려주세요", "010.4567.8912"),
    _case("mobile-stt", "phone", "공일공 아니 0 1 0 5 6 7 8 9 1 2 3 번으로 연락주세요 아동수당", "01056789123"),
    _case("mobile-intl", "phone", "+82 10-6789-1234 로 연락 주세요 기초연금 문의", "+82 10-6789-1234"),
    _case("mobile-intl-paren", "phone", "+82 (0)10 7891 2345 번호로 연락 주세요 장애인연금", "+82 (0)10 7891 2345"),
    _case("mobile-011", "phone", "옛날 번호 011-876-5432 도 써요 긴급복지 신청", "011-876-5432"),
    _case("mobile-mixed", "phone", "제 폰은 010-8912 3456 입니다 출산축하금 문의", "010-8912 3456"),
    # 일반전화
    _case("landline-seoul", "phone", "집 전화 02-2345-6781 로 연락 주세요 기초연금", "02-2345-6781"),
    _case("landline-seoul-paren", "phone", "(02) 3456-7812 로 전화 주시면 됩니다 주거급여", "(02) 3456-7812"),
    _case("landline-gyeonggi", "phone", "031-456-7823 으로 연락 바랍니다 출산장려금 신청", "031-456-7823"),
    _case("landline-busan-nohyphen", "phone", "부산 0515678934 로 연락 주세요 생계급여 문의", "0515678934"),
    _case("landline-070", "phone", "인터넷 전화 070-4567-8945 입니다 아동수당 문의", "070-4567-8945"),
    _case("safe-0505", "phone", "안심번호 0505-123-4567 로 연락 주세요 긴급복지", "0505-123-4567"),
    # 카드번호
    _case("card-hyphen", "card", "카드번호 4518-4212-3456-7890 분실했는데 바우처 어떻게 돼요", "4518-4212-3456-7890"),
    _case("card-space", "card", "국민행복카드 5412 7534 9821 6078 결제 안 돼요", "5412 7534 9821 6078"),
    _case("card-nohyphen", "card", "카드 번호는 9410123456789012 이고 출산장려금 입금 문의", "9410123456789012"),
    _case("card-amex", "card", "아멕스 3782-822463-10005 로 결제했어요 문화누리카드 문의", "3782-822463-10005"),
    # 계좌번호
    _case("account-3group", "account", "계좌 110-234-567890 으로 지원금 받을 수 있나요", "110-234-567890"),
    _case("account-4group", "account", "농협 123-4567-8901-23 으로 입금 부탁드려요 출산장려금", "123-4567-8901-23"),
    _case("account-run", "account", "계좌번호 35202123456789 로 보내주세요 기초연금", "35202123456789"),
    _case("account-kb", "account", "국민은행 123456-01-234567 입니다 아동수당 입금", "123456-01-234567"),
    _case("account-shinhan", "account", "신한 110-345-678901 계좌로 긴급복지 지원금 받나요", "110-345-678901"),
    _case("account-stt", "account", "계좌번호는 1002 - 345 - 678912 이에요 주거급여", "1002-345-678912"),
    # 이메일
    _case("email-plain", "email", "메일 hong.gildong85@example.com 으로 서류 보내주세요 기초연금", "hong.gildong85@example.com"),
    _case("email-korean-around", "email", "이메일은kim_minji+welfare@mail.example.co.kr이고요 출산장려금", "kim_minji+welfare@mail.example.co.kr"),
    _case("email-upper", "email", "PARK.SEOYEON@EXAMPLE.ORG 로 답장 주세요 장애인연금", "PARK.SEOYEON@EXAMPLE.ORG"),
    # 여러 개가 한 문장에
    _case("mixed-rrn-phone", "rrn", "주민번호 870922-2345675 연락처 010-9876-5410 인데 생계급여 되나요", "870922-2345675"),
    _case("mixed-phone-rrn", "phone", "주민번호 870922-2345675 연락처 010-9876-5410 인데 생계급여 되나요", "010-9876-5410"),
    _case("mixed-card-account", "card", "카드 4000-1234-5678-9010 말고 계좌 333-22-4444555 로 주세요", "4000-1234-5678-9010"),
    _case("mixed-account-card", "account", "카드 4000-1234-5678-9010 말고 계좌 333-22-4444555 로 주세요", "333-22-4444555"),
    _case("mixed-email-phone", "email", "mj.lee@example.net 이나 010-1111-2345 로 연락 주세요 아동수당", "mj.lee@example.net"),
)

assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)
