"""The extractive card's sentence choice, its citations, and the abstention rule (no index needed)."""

import pytest

from assistant.advisor.generators import ExtractiveGenerator, GenerationRequest, asked, cite_each, contact_sentence
from assistant.advisor.grounding import check_grounding
from assistant.advisor.service import AbstentionPolicy
from assistant.types import EntryRecord, Hit, Scope, ScoreBreakdown

pytestmark = pytest.mark.unit

ENTRY = EntryRecord(
    entry_id="x", title="청년월세 지원", scope=Scope.national,
    content=("청년월세 지원은 무주택 청년의 월세를 돕는 사업입니다. 청년월세 지원의 대상은 만 19세 이상 34세 이하 청년입니다. "
             "청년월세 지원은 월 최대 20만 원을 12개월 동안 지급합니다. 청년월세 지원은 복지로에서 온라인으로 신청합니다. "
             "청년월세 지원은 2023년에 시작되었습니다.\n담당 부서: 국토교통부 주거복지지원과"),
)


def card(question: str, entry: EntryRecord = ENTRY) -> str:
    return "".join(ExtractiveGenerator(str.split).generate(GenerationRequest(question, "", [entry], [])))


def test_question_kinds_are_recognised_in_several_languages():
    assert asked("월세 지원 얼마까지 받아요?") == ["amount"]
    assert "contact" in asked("What is the phone number?")
    assert "when" in asked("什么时候可以申请？")
    assert asked("그냥 궁금해서요") == []
    assert {"amount", "support"} <= set(asked("수술비가 걱정인데 지원되는 게 있나요?"))
    assert "count" in asked("건강검진은 몇 번 해주나요?")


@pytest.mark.parametrize(("question", "kind"), [  # the 120 foreign line's Mongolian callers
    ("Хүүхдэд сар бүр олгодог тэтгэмжийг хаана бүртгүүлэх вэ?", "how"),
    ("Ваучерыг яаж авах вэ?", "how"),
    ("Утасны дугаар нь хэд вэ?", "contact"),
    ("Хэзээ хүртэл өргөдөл өгөх вэ?", "when"),
    ("Хэн хамрагдах вэ?", "who"),
    ("Жилд хэдэн удаа авч болох вэ?", "count"),
    ("Эмнэлгийн зардалд тусламж авч болох уу?", "amount"),
    ("Эмнэлгийн зардалд тусламж авч болох уу?", "support"),
])
def test_question_kinds_are_recognised_in_mongolian(question, kind):
    assert kind in asked(question)


def test_a_mongolian_question_about_the_deadline_gets_it_on_the_card():
    entry = EntryRecord(
        entry_id="m", title="청년월세", scope=Scope.national,
        content=("청년월세 대상은 청년입니다. 청년월세는 월 20만 원을 지급합니다. 청년월세 신청은 복지로에서 합니다. "
                 "청년월세는 매년 5월 31일까지 신청해야 합니다. 청년월세는 2023년에 시작되었습니다.\n담당 부서: 주거복지과"),
    )
    assert "5월 31일까지" in card("Хэзээ хүртэл өргөдөл өгөх вэ?", entry)


def test_a_question_about_help_gets_what_is_given():
    text = card("월세 때문에 힘든데 도움받을 수 있나요?")
    assert "20만 원" in text


def test_an_amount_question_gets_the_amount_sentence_and_the_contact_line():
    text = card("청년 월세 얼마나 나와요?")
    assert "20만 원" in text and "주거복지지원과" in text
    assert "2023년" not in text, "a sentence answering nothing asked is left out"


MANUAL = EntryRecord(
    entry_id="m", title="근로장려금", scope=Scope.national,
    content=("근로장려금 대상은 소득이 있는 가구입니다. 근로장려금 재산요건은 합계액 2.4억 원 미만입니다. "
             "근로장려금 최대지급액은 단독가구 165만 원입니다. 근로장려금 상한은 가구마다 다릅니다. "
             "근로장려금은 매년 5월에 신청하여 9월에 지급합니다.\n\n"
             "근로장려금 관련 문의는 국세상담센터로 하시면 됩니다. 국세상담센터의 전화번호는 126 입니다. "
             "국세상담센터의 누리집은 www.hometax.go.kr 입니다."),
)


def test_each_kind_asked_gets_its_own_sentence():
    text = card("근로장려금 단독가구 최대 얼마 받아요? 신청은 언제 해요?", MANUAL)
    assert "165만 원" in text and "5월" in text, "both the amount and the period were asked"
    assert "www.hometax.go.kr" not in text, "nothing asked, nothing quoted"


def test_a_contact_line_without_a_number_brings_the_sentence_with_the_number():
    text = card("근로장려금 대상이 누구예요?", MANUAL)
    assert "국세상담센터로" in text and "126" in text


def test_every_sentence_of_the_card_is_cited_and_passes_the_grounding_check():
    tricky = EntryRecord(entry_id="y", title="냉(冷)큼 달려갑니다! 쿨한 돌봄", content="에어컨 청소를 돕습니다.",
                         scope=Scope.sigungu, sido="서울특별시", sigungu="용산구")
    text = card("에어컨 청소", tricky)
    report, kept = check_grounding(text, [f"{tricky.title}\n{tricky.region_label}\n{tricky.content}"])
    assert report.unsupported == 0 and kept == text


def test_cite_each_splits_like_the_grounding_check():
    assert cite_each("가! 나.") == "가[1]! 나[1]."
    assert cite_each("문의: 02-120") == "문의: 02-120[1]."


def test_contact_sentence_prefers_a_labelled_line_then_a_phone_number():
    assert contact_sentence(["요약.", "담당 부서: 복지과", "문의는 1544-0000으로 하세요."]) == "담당 부서: 복지과"
    assert contact_sentence(["요약.", "문의는 주민센터로.", "문의는 1544-0000으로."]) == "문의는 1544-0000으로."
    assert contact_sentence(["요약."]) is None


def hit(dense: float, lexical: float, fused: float = 0.1) -> Hit:
    return Hit("e", "t", Scope.national, "", "", 1, fused, ScoreBreakdown(1, lexical, 1, dense, None, fused))


def test_abstention_judges_questions_without_hangul_on_the_dense_score_alone():
    policy = AbstentionPolicy(confidence_min=0.925, lexical_weight=0.025, foreign_dense_min=0.84)
    assert not policy.abstain([hit(0.86, 20.0)], "청년 월세")  # a strong BM25 match answers a Korean question
    assert policy.abstain([hit(0.86, 2.0)], "여권 재발급")
    assert not policy.abstain([hit(0.85, 0.0)], "rent support for young people")
    assert policy.abstain([hit(0.83, 30.0)], "兒童保育費")  # BM25 of Sino-Korean readings is not evidence alone
    assert policy.abstain([], "anything")


def test_a_script_the_foreign_floor_was_not_calibrated_on_is_answered_low_not_declined():
    """Mongolian (Cyrillic) cosines run under the floor set on English, Vietnamese, Chinese and Japanese
    questions, even for questions the manuals cover: declining on it would turn away every such caller."""
    policy = AbstentionPolicy(confidence_min=0.925, lexical_weight=0.025, foreign_dense_min=0.84)
    mongolian = "Хүүхдийн тэтгэмж хаана бүртгүүлэх вэ?"
    assert policy.assess([hit(0.81, 5.0)], mongolian) == (0.81, "low")
    assert policy.assess([hit(0.81, 5.0)], "where do I register for child allowance?")[1] == "none"
    assert policy.abstain([], mongolian)  # nothing found is still nothing found


def test_a_foreign_question_with_a_few_korean_words_is_still_judged_as_foreign():
    """Foreign callers name their district or a programme in Korean; the Korean floor (cosine plus BM25,
    set on Korean-to-Korean cosines) then declined them although the manuals cover what they ask."""
    policy = AbstentionPolicy(confidence_min=0.925, lexical_weight=0.025, foreign_dense_min=0.84)
    english = "Hi, I injured my hand at work and 근로복지공단 gave me a disability grade. Is there job training?"
    mongolian = "Сайн байна уу. Би 노원구-д амьдардаг монгол ээж, хүүхдийн тэтгэмж хаана авах вэ?"
    assert policy.assess([hit(0.85, 4.0)], english) == (0.85, "low")  # over the foreign floor: answered
    assert policy.assess([hit(0.82, 4.0)], english)[1] == "none"  # under it: declined, as without the word
    assert policy.assess([hit(0.82, 4.0)], mongolian) == (0.82, "low")  # an uncalibrated script stays 'low'
    assert policy.assess([hit(0.85, 4.0)], "노원구 사는데 아동수당 어디서 받아요?")[1] == "none"  # Korean floor


def test_confidence_rises_with_either_retriever_and_takes_the_best_hit():
    policy = AbstentionPolicy()
    assert policy.confidence(0.9, 10.0) > policy.confidence(0.89, 10.0)
    assert policy.confidence(0.9, 10.0) > policy.confidence(0.9, 5.0)
    assert policy.confidence(0.9, None) == policy.confidence(0.9, 0.0) == 0.9
    # the best cosine and the best BM25 may come from different hits
    assert not policy.abstain([hit(0.91, 0.0), hit(0.80, 25.0)], "청년 월세")
    assert policy.abstain([hit(0.91, 0.0), hit(0.80, 25.0)], "청년 월세") == (
        policy.confidence(0.91, 25.0) < policy.confidence_min)


def test_never_and_always_policies():
    assert not AbstentionPolicy.never().abstain([hit(0.1, 0.0)], "hello")
    assert not AbstentionPolicy.never().abstain([hit(0.1, 0.0)], "여권")
    assert AbstentionPolicy.always().abstain([hit(0.99, 99.0)], "청년 월세")
    assert AbstentionPolicy.always().abstain([hit(0.99, 99.0)], "hello")


def test_confidence_levels_around_the_floor():
    policy = AbstentionPolicy(confidence_min=0.9, lexical_weight=0.0, foreign_dense_min=0.8, low_margin=0.02,
                              ambiguous_margin=0.025)
    assert policy.assess([hit(0.89, 0.0)], "청년 월세") == (0.89, "none")
    assert policy.assess([hit(0.91, 0.0)], "청년 월세") == (0.91, "low")
    assert policy.assess([hit(0.95, 0.0)], "청년 월세") == (0.95, "high")
    assert policy.assess([hit(0.81, 0.0)], "rent") == (0.81, "low"), "without Hangul: the foreign floor"
    assert policy.assess([hit(0.5, 0.0)], "청년 월세", best_dense=0.95)[1] == "high", "the dense retriever's best counts"
    assert policy.assess([], "청년 월세") == (0.0, "none")


def test_two_nearly_tied_entries_make_a_confident_answer_low():
    policy = AbstentionPolicy(confidence_min=0.9, lexical_weight=0.0, ambiguous_margin=0.025)
    assert policy.assess([hit(0.95, 0.0, 0.0300), hit(0.9, 0.0, 0.0299)], "청년 월세")[1] == "low"
    assert policy.assess([hit(0.95, 0.0, 0.0300), hit(0.9, 0.0, 0.0250)], "청년 월세")[1] == "high"
    assert policy.assess([hit(0.85, 0.0, 0.0300), hit(0.8, 0.0, 0.0299)], "청년 월세")[1] == "none"


def test_the_first_stages_evidence_decides_abstention_whatever_the_ranker_put_first():
    """After a second stage re-orders the hits, whether the manuals cover the question is still judged on
    what the retrievers found (their best cosine and BM25 among the first stage's top entries)."""
    policy = AbstentionPolicy()
    reranked = [hit(0.86, 2.0)]  # the ranker's choice has a weak BM25 match
    assert policy.abstain(reranked, "청년 월세")
    assert not policy.abstain(reranked, "청년 월세", evidence=(0.86, 20.0))  # the first stage had a strong BM25 match
    assert policy.assess(reranked, "청년 월세", evidence=(0.86, 20.0))[0] == round(policy.confidence(0.86, 20.0), 4)
    assert policy.abstain([hit(0.95, 30.0)], "청년 월세", evidence=(0.80, 1.0))


def test_a_question_sharing_no_word_with_the_entry_still_hears_who_what_how_and_where():
    question = "Xin chào, tôi cần giúp đỡ"  # Vietnamese: no token in common with the entry, no cue but 'giúp'
    text = card(question)
    for said in ("34세 이하", "20만 원", "온라인으로 신청", "주거복지지원과"):
        assert said in text, said
    assert "2023년" not in text, "what no caller needs is still left out"
    bare = "".join(ExtractiveGenerator(str.split, always=()).generate(GenerationRequest(question, "", [ENTRY], [])))
    assert "온라인으로 신청" not in bare and len(bare) < len(text)


def test_an_unknown_kind_of_information_is_a_clear_error():
    with pytest.raises(ValueError, match="valid: amount"):
        ExtractiveGenerator(str.split, always=("gossip",))


def test_a_language_can_have_a_floor_of_its_own():
    """Cross-lingual cosines run lower for English than for Vietnamese: one floor declined covered English
    questions and answered out-of-KB Vietnamese ones."""
    policy = AbstentionPolicy(confidence_min=0.925, lexical_weight=0.025, foreign_dense_min=0.84,
                              language_floors=(("en", 0.83), ("vi", 0.85)))
    assert policy.assess([hit(0.835, 0.0)], "where do I apply for rent support?")[1] != "none"
    assert policy.assess([hit(0.845, 0.0)], "Tôi muốn hỏi về trợ cấp thuê nhà")[1] == "none"
    assert policy.assess([hit(0.845, 0.0)], "房租补助在哪里申请？")[1] != "none"  # no floor of its own: 0.84
    assert policy.assess([hit(0.835, 0.0)], "房租补助在哪里申请？")[1] == "none"


def test_language_floors_name_known_languages_only():
    from pydantic import ValidationError

    from assistant.config import Settings
    with pytest.raises(ValidationError, match="unknown language"):
        Settings(abstain_language_floors={"fr": 0.8})
    assert Settings(abstain_language_floors={"en": 0.8}).abstain_language_floors == {"en": 0.8}


def test_a_list_intro_on_the_card_brings_what_it_announces():
    entry = EntryRecord(
        entry_id="l", title="가족상담", scope=Scope.national,
        content=("가족상담의 대상은 모든 가족입니다.\n\n가족상담의 지원내용은 다음과 같습니다.\n"
                 "갈등상담과 양육상담이 있습니다.\n\n가족상담의 신청방법은 다음과 같습니다.\n"
                 "센터에 들르시면 됩니다.\n\n가족상담 문의는 1644-0000 입니다."),
    )
    text = card("상담 받고 싶어요", entry)
    assert "지원내용은 다음과 같습니다" in text and "신청방법은 다음과 같습니다" in text
    assert "양육상담이 있습니다" in text and "들르시면 됩니다" in text  # what each intro announces


def test_a_lead_that_names_its_parts_brings_them():
    entry = EntryRecord(
        entry_id="p", title="장애아 양육지원", scope=Scope.national,
        content=("장애아 양육지원 대상은 장애아 가정입니다.\n\n장애아 양육지원 내용은 돌봄서비스, 휴식지원으로 나누어집니다.\n"
                 "돌봄서비스는 가정에서 돌봄을 제공합니다.\n이는 연 960시간 범위 내에서 지원됩니다.\n\n"
                 "장애아 양육지원 문의는 129 입니다."),
    )
    text = card("쉴 수 있는 지원이 있나요?", entry)
    assert "나누어집니다" in text and "가정에서 돌봄을 제공합니다" in text and "연 960시간" in text


def test_steps_between_two_quoted_steps_come_too_and_only_within_one_list():
    from assistant.advisor.lists import numbered_gaps

    cands = ["1. 참여신청.", "2. 자격확인", "주소는 a.kr 입니다.", "3. 청약.", "4. 적립", "다른 문장.",
             "1. 서류 제출.", "2. 심사.", "3. 통보."]
    assert numbered_gaps(cands, {cands[0], cands[3]}) == {cands[0], cands[1], cands[3]}  # not the address line
    assert numbered_gaps(cands, {cands[3], cands[6]}) == {cands[3], cands[6]}  # two lists: nothing between
    assert numbered_gaps(cands, {cands[6], cands[8]}) == {cands[6], cands[7], cands[8]}
    assert numbered_gaps(cands, {cands[1]}) == {cands[1]}
    cases = ["1. 폐암의 경우 " + "수당 " * 12, "2. 중피종의 경우 " + "수당 " * 12, "3. 석면폐증의 경우 " + "수당 " * 12]
    assert numbered_gaps(cases, {cases[0], cases[2]}) == {cases[0], cases[2]}  # a table's cases, not steps


def test_a_card_quotes_a_procedure_without_holes():
    entry = EntryRecord(
        entry_id="n", title="청년공제", scope=Scope.national,
        content=("청년공제 대상은 신규 취업 청년입니다.\n\n청년공제 신청 절차는 다음과 같습니다.\n"
                 "1. 누리집에서 참여신청 가능합니다.\n2. 자격확인\n3. 청약 신청 및 가입은 사이트에서 가능합니다.\n"
                 "4. 공제금 적립\n5. 만기금 지급(1200만 원+이자)\n\n청년공제 문의는 1350 입니다."),
    )
    text = card("만기 때 얼마 받고 어디서 신청해요?", entry)
    assert "만기금 지급" in text and "청약 신청" in text
    assert "자격확인" in text and "공제금 적립" in text


def test_list_items_stop_at_the_next_intro_and_after_enough_text():
    from assistant.advisor.lists import list_items

    cands = ["내용은 다음과 같습니다.", "가 항목.", "나 항목.", "신청은 다음과 같습니다.", "방문 신청."]
    assert list_items(cands, {cands[0]}) == {"가 항목.", "나 항목."}
    long = ["내용은 아래와 같습니다.", "가" * 70 + ".", "나 항목."]
    assert list_items(long, {long[0]}) == {long[1]}
    assert list_items(cands, {cands[1]}) == set()  # no intro chosen, nothing added
    parts = ["지원내용은 크게 3가지로 나누어지게 됩니다.", "가 항목.", "나 항목."]
    assert list_items(parts, {parts[0]}) == {"가 항목.", "나 항목."}
    nested = ["요금감면은 다음과 같습니다.", "감면 내역은 크게 2가지로 나누어집니다.", "1. 방송 요금 면제.", "2. 통신 요금 감면."]
    assert list_items(nested, {nested[0]}) == set(nested[1:])


SPOUSE_LEAVE = EntryRecord(
    entry_id="s", title="배우자 출산휴가급여", scope=Scope.national,
    content=("배우자 출산휴가급여 대상은 고용보험 피보험 단위기간이 180일 이상인 근로자입니다.\n\n"
             "배우자 출산휴가급여 지원 내용은 휴가 10일 중 최초 5일 통상임금에 해당되는 금액 지급입니다\n"
             "상한액은 40만 1,910원, 하한액은 최저임금입니다.\n\n"
             "배우자 출산휴가급여 신청방법은 고용센터에 신청하시면 됩니다.\n\n"
             "배우자 출산휴가급여 신청문의는 고용노동부 고객상담센터(1350)로 하시면 됩니다."),
)


def test_the_card_says_what_the_programme_gives_not_only_its_cap():
    """'최대 얼마' is answered by the cap, which said "what is given" before: the 내용 paragraph's lead,
    which says what the cap is a cap of (the first five days' pay), never reached the card."""
    text = card("남편이 출산휴가 쓰면 최대 얼마 나와요?", SPOUSE_LEAVE)
    assert "40만 1,910원" in text and "최초 5일" in text
    assert "고용센터에 신청" in text and "1350" in text


def test_a_who_paragraph_naming_details_is_not_taken_for_what_is_given():
    from assistant.advisor.sections import given_lead
    from assistant.text.sentences import split_sentences

    content = ("긴급복지 대상은 위기가구이며, 자세한 내용은 다음과 같습니다.\n1. 실직\n\n"
               "긴급복지 내용은 다음과 같습니다.\n생계 지원은 1개월 생계비입니다.")
    assert given_lead(content, split_sentences(content)) == "긴급복지 내용은 다음과 같습니다."
    assert given_lead(ENTRY.content, split_sentences(ENTRY.content)) is None  # one block, no 내용 paragraph: nothing to add


REGISTRATION = EntryRecord(
    entry_id="d", title="장애인 등록신청", scope=Scope.national,
    content=("장애인 등록신청 대상은 일상생활에 제약을 받는 사람입니다.\n\n"
             "장애인 등록신청 내용은 장애인등록증 발급입니다.\n\n"
             "장애인 등록신청 신청방법은 본인 또는 보호자가 거주지 읍면동 주민센터에 신청하시면 됩니다.\n"
             "민원인 제출 서류는 다음과 같습니다.\n1. 사진 1장\n2. 장애정도 심사용 진단서\n\n"
             "장애인 등록신청 신청문의는 주소지 읍면동 주민센터 또는 보건복지상담센터(129)로 하시면 됩니다."),
)


@pytest.mark.parametrize("question", ["아이가 자폐 진단을 받았는데 복지카드 받으려면 어떤 절차를 거쳐야 해요?",
                                      "My child has autism. What should we do?"])
def test_the_card_says_how_to_apply_in_the_manuals_own_words(question):
    """'신청' in the title ('장애인 등록신청') and in the contact line ('신청문의는 …') looked like "how to
    apply", so the manual's 신청방법 sentence never reached the card, asked or not."""
    text = card(question, REGISTRATION)
    assert "보호자가 거주지 읍면동 주민센터에 신청하시면" in text and "129" in text


@pytest.mark.parametrize("question", ["장애인 등록하려면 어떤 서류가 필요해요?", "복지카드 받으려면 어떤 절차를 거쳐야 해요?",
                                      "What documents do I need?", "需要准备什么材料？", "Cần những giấy tờ gì?",
                                      "どんな書類が必要ですか", "Ямар бичиг баримт хэрэгтэй вэ?"])
def test_a_question_about_what_to_bring_gets_the_whole_list_of_documents(question):
    """The documents are the list after '제출 서류는 다음과 같습니다'; its first item alone was quoted, if any."""
    assert "documents" in asked(question)
    text = card(question, REGISTRATION)
    assert "제출 서류는 다음과 같습니다" in text and "1. 사진 1장" in text and "2. 장애정도 심사용 진단서" in text


def test_district_funds_and_a_finished_procedure_are_not_questions_about_documents():
    assert "documents" not in asked("마포구에서 구비로 활동지원 시간을 더 얹어 주나요?")  # 구비 = the district's budget
    assert "documents" not in asked("입양 절차를 다 마치고 아이를 맞았어요. 축하금이 있나요?")
    assert "2. 장애정도 심사용 진단서" not in card("장애인 등록신청 전화번호 알려주세요", REGISTRATION)


def test_the_apply_lead_is_the_paragraph_that_names_it_first():
    from assistant.advisor.sections import apply_lead
    from assistant.text.sentences import split_sentences

    content = REGISTRATION.content
    assert apply_lead(content, split_sentences(content)).startswith("장애인 등록신청 신청방법은")
    who = "청년월세 대상은 청년이며, 신청은 다음과 같습니다.\n1. 복지로"
    assert apply_lead(who, split_sentences(who)) is None  # a who paragraph that goes on to the how
    assert apply_lead(ENTRY.content, split_sentences(ENTRY.content)) is None  # one block: nothing to add


PENSION = EntryRecord(
    entry_id="q", title="노인 일자리", scope=Scope.national,
    content=("노인 일자리 대상은 만 65세 이상 어르신입니다. 단, 공무원연금 수급자는 제외됩니다.\n\n"
             "노인 일자리 내용은 월 29만 원 활동비 지급입니다.\n\n"
             "노인 일자리 신청방법은 주민센터에 신청하시면 됩니다. 이때 신분증을 가져오셔야 합니다.\n\n"
             "노인 일자리 문의는 129로 하시면 됩니다."),
)


def test_a_rule_comes_with_the_exception_or_detail_that_follows_it():
    """'대상은 만 65세 이상' read out without '단, 공무원연금 수급자는 제외됩니다' tells a retired civil servant
    they qualify: the qualifier is the mirror of a caveat, which never goes out without its rule."""
    text = card("우리 아버지 일흔이신데 노인 일자리 누가 할 수 있어요?", PENSION)
    assert "만 65세 이상" in text and "공무원연금 수급자는 제외" in text
    assert "이때 신분증을 가져오셔야" in text  # the how-to-apply lead's own detail
    from assistant.advisor.generators import with_qualifiers

    long = ["대상은 청년입니다.", "단, " + "가" * 130]
    assert with_qualifiers(long, {long[0]}) == {long[0]}  # a long one is a paragraph of its own, not a qualifier


ALLOWANCE = EntryRecord(
    entry_id="c", title="장애아동수당", scope=Scope.national,
    content=("장애아동수당 대상은 만 18세 미만 등록 장애아동 중 기초생활수급자 또는 차상위계층입니다.\n\n"
             "장애아동수당 내용은 소득 수준에 따라 매월 지급입니다.\n"
             "생계급여 및 의료급여 수급자의 경우, 중증 월 22만 원, 경증 월 11만 원이 지급됩니다.\n"
             "주거급여 및 교육급여 수급자의 경우, 중증 월 17만 원, 경증 월 11만 원이 지급됩니다.\n"
             "보장시설 수급자의 경우, 중증 월 9만 원, 경증 월 3만 원이 지급됩니다.\n\n"
             "장애아동수당 신청방법은 주민센터에 신청하시면 됩니다.\n\n장애아동수당 문의는 129로 하시면 됩니다."),
)


@pytest.mark.parametrize("question", ["장애아동수당 한 달에 얼마 나와요?", "How much is the disabled child allowance?"])
def test_how_much_gets_every_case_of_a_table_of_amounts(question):
    """One case's amount ('보장시설 수급자의 경우 월 9만 원') answers a caller of another case wrongly."""
    text = card(question, ALLOWANCE)
    assert all(f"월 {n}만 원" in text for n in (22, 17, 9))


def test_the_table_of_amounts_stays_off_a_card_that_did_not_ask_how_much():
    assert "보장시설 수급자의 경우" not in card("장애 아동 지원 전화번호가 뭐예요?", ALLOWANCE)


def test_a_sentence_the_manual_repeats_is_said_once():
    entry = EntryRecord(
        entry_id="r", title="긴급복지", scope=Scope.national,
        content=("긴급복지 대상은 위기가구입니다.\n\n긴급복지 신청은 주민센터에 하시면 됩니다. "
                 "보건복지상담센터의 전화번호는 129 입니다.\n\n긴급복지 문의는 주민센터로 하시면 됩니다. "
                 "보건복지상담센터의 전화번호는 129 입니다."),
    )
    text = card("긴급복지 전화번호랑 신청 방법 알려주세요", entry)
    assert text.count("전화번호는 129") == 1 and "주민센터에 하시면" in text


def test_a_sentence_pointing_back_comes_with_the_one_it_points_to():
    """'이는 임신 1회당 100만 원 지급됩니다' answers "how much", but alone it is an amount of nothing."""
    from assistant.advisor.generators import leans_back

    entry = EntryRecord(
        entry_id="p", title="임신 진료비", scope=Scope.national,
        content=("임신 진료비 대상은 건강보험 가입자인 임신부입니다. 임신부에게 진료비 바우처를 드립니다. "
                 "이는 임신 1회당 100만 원 지급됩니다. 신청은 카드사에 하시면 됩니다."),
    )
    text = card("얼마 받을 수 있어요?", entry)
    assert "100만 원" in text and "진료비 바우처를 드립니다" in text
    assert leans_back("이때 제출서류는 신청서입니다.") and leans_back("단, 식대는 제외됩니다.")
    assert not leans_back("이용권은 카드로 드립니다.")  # '이' that starts a word is no pointer
