"""Answer generators: one-method protocol ``generate(request)`` yielding text pieces.

``ExtractiveGenerator`` needs no model: the best entry's most relevant sentences, each cited.
``OpenAIChatGenerator`` talks to any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp, OpenAI).

>>> gen = ExtractiveGenerator(tokenize=str.split)
>>> "".join(gen.generate(GenerationRequest("신청 방법", "", [entry], [])))   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.advisor import grounding
from assistant.advisor.lists import list_items, marked_items, numbered_gaps
from assistant.advisor.periods import PeriodLooks
from assistant.advisor.quantities import BenefitLooks, benefit_amount
from assistant.advisor.sections import apply_lead, given_lead
from assistant.errors import AssistantError
from assistant.text import phones
from assistant.text.links import WEB_ADDRESS
from assistant.text.sentences import split_sentences
from assistant.types import EntryRecord


class GeneratorError(AssistantError):
    pass


@dataclass(frozen=True)
class GenerationRequest:
    question: str  # already masked
    region: str
    sources: Sequence[EntryRecord]
    messages: list[dict[str, str]]


class Looks(Protocol):
    """What a sentence that answers one kind of question looks like (a compiled pattern, or a rule
    with its ``search``)."""

    def search(self, text: str, /) -> re.Match[str] | None: ...


class Generator(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> Iterator[str]: ...


# What a question asks for, and what a sentence that answers it looks like. Cues in Korean and in the
# callers' other languages (en, zh, ja, vi, mn), so a foreign question still gets the amount or the phone number.
# An amount is what is given, not a means test ('기준 중위소득 65% 이하' in the who-qualifies sentence
# said "the amount is told" and kept '1인당 연간 35만 원' off the card): ``quantities.BenefitLooks``.
INTENTS: dict[str, tuple[re.Pattern[str], Looks]] = {
    "amount": (re.compile(r"얼마|금액|비용|액수|최대|한도|상한|지원금|수당|돈|요금|[병원치료수술생활진료교육양육검사의료학습]비|값|"
                          r"몇\s*(?:프로|퍼센트)|할인|감면|깎|how much|amount|cost|fee|多少|金额|费用|いくら|金額|費用|"
                          r"bao nhiêu|chi phí|số tiền|хэчнээн|хэдий хэр|мөнгө|төлбөр|зардал|тэтгэмж|тэтгэлэг", re.I),
               BenefitLooks()),
    "contact": (re.compile(r"번호|전화|연락처|콜센터|문의|phone|call|contact|number|电话|联系|電話|連絡|"
                           r"điện thoại|liên hệ|утас|дугаар|холбогд|лавла", re.I),
                re.compile(rf"{phones.WRITTEN.pattern}|문의")),
    "when": (re.compile(r"언제|기간|기한|마감|몇\s*월|며칠|몇\s*년|몇\s*개월|몇\s*시|운영\s*시간|when|deadline|how long|"
                        r"what time|hours|什么时候|期限|多久|几点|いつ|期間|何時|khi nào|thời hạn|bao lâu|mấy giờ|"
                        r"хэзээ|хугацаа|хэдэн\s*(?:цаг|сар|хоног|өдөр|жил)", re.I),
             PeriodLooks()),
    "who": (re.compile(r"대상|누가|누구|나이|자격|조건|해당|who|eligib|\bage\b|谁|资格|条件|年龄|誰|対象|資格|年齢|"
                       r"\bai\b|điều kiện|tuổi|хэн\b|болзол|шаардлага|хамрагд|эрхтэй", re.I),
            re.compile(r"대상|\d+\s*세|이하|이상|소득")),
    # what to bring: one of the commonest things a caller asks, answered by the manual's 제출 서류 sentence
    "documents": (re.compile(r"서류|준비물|뭘\s*(?:가져|챙겨|내야)|무엇을\s*(?:가져|제출)|(?:어떤|무슨)\s*절차|절차(?:가|는)\s*(?:어떻게|뭐)|"
                             r"documents?|paperwork|"
                             r"材料|资料|文件|证件|書類|giấy tờ|hồ sơ|бичиг\s*баримт", re.I),
                  # the sentence that says what to hand in ('제출 서류는 다음과 같습니다', '구비서류: …'), not a step
                  # that mentions it ('1. 등록 상담 및 구비서류 안내')
                  re.compile(r"(?:제출|구비|필요|준비)\s*서류(?:는|은|:|\s*목록)|서류(?:는|은)\s|준비물|진단서|증명서|신분증|"
                             r"통장\s*사본|등본|확인서")),
    "count": (re.compile(r"몇\s*(?:번|회|개|명|종|가지)|how many|几次|多少次|何回|mấy lần|хэдэн\s*(?:удаа|ширхэг|хүн)",
                         re.I),
              re.compile(r"\d+\s*(?:회|번|종|개|명|가지)")),
    "support": (re.compile(r"지원(?:되|해|받)|도움|도와|혜택|무료|해\s*주는|주는\s*(?:게|거)|나오는|help|support|assist|"
                           r"帮助|补助|支援|援助|hỗ trợ|giúp|тусламж|тусал|дэмжлэг|дэмжд|үнэгүй|олгодог|өгдөг", re.I),
                BenefitLooks(re.compile(r"내용은|지원합니다|지원한다|지급|무료|감면"))),
    "how": (re.compile(r"어디|어떻게\s*(?:신청|해야|하면|받)|신청\s*방법|신청하려면|신청할\s*수|where|how (?:do|can|to)|apply|哪里|怎么|如何|どこ|どう|申請|"
                       r"ở đâu|làm sao|đăng ký|хаана|хаашаа|яаж|хэрхэн|бүртгүүл|өргөдөл|хүсэлт\s*гарга", re.I),
            re.compile(r"신청|방문|주민센터|누리집|온라인")),
}


#: what the answer card tells every caller, asked or not (the contact line is added on its own);
#: dev key facts 0.756 -> 0.809, shared train 0.861 -> 0.894, 1.1 more sentences an answer on average
ALWAYS = ("who", "support", "amount", "how")

_CONTACT_LABELS = ("담당 부서:", "문의처:", "연락처:", "문의:")


def contact_sentence(cands: list[str]) -> str | None:
    """The entry's 'who to ask' line: a '담당 부서:' / '문의처:' line, else the first sentence about 문의
    that gives a phone number, else the first sentence about 문의."""
    labelled = next((c for c in cands if c.startswith(_CONTACT_LABELS)), None)
    if labelled:
        return labelled
    asks = [c for c in cands if "문의" in c]
    return next((c for c in asks if phones.gives_phone(c)), asks[0] if asks else None)


_SAYS_NUMBER = re.compile(r"전화\s*번호(?:는|은)?\s*:?\s*\(?\d{3,4}")  # '전화번호는 126 입니다'


def gives_number(sentence: str) -> bool:
    return bool(phones.gives_phone(sentence) or _SAYS_NUMBER.search(sentence))


def phone_sentence(cands: list[str]) -> str | None:
    """The first sentence that gives a phone number as one (a 전화번호 / 콜센터 / 문의 sentence)."""
    return next((c for c in cands if gives_number(c) and re.search(r"전화|번호|콜센터|문의|상담", c)), None)


# '…누리집에서 신청하시면 됩니다' sends the caller to a website: the counselor needs its address to read out
_NAMES_SITE = re.compile(r"누리집|홈페이지|사이트|웹\s*사이트|블로그")


def site_sentence(cands: Sequence[str], chosen: set[str]) -> str | None:
    """When a chosen sentence names a website and none gives an address, the first sentence that does."""
    if any(WEB_ADDRESS.search(c) for c in chosen) or not any(_NAMES_SITE.search(c) for c in chosen):
        return None
    return next((c for c in cands if WEB_ADDRESS.search(c)), None)


# '단, 기한 후 신청 시 10% 감액 지급됩니다.': an exception to the rule before it, never the rule itself
_CAVEAT = re.compile(r"^(?:(?:단|다만)\s*,|※)")


def caveat(sentence: str) -> bool:
    """Does the sentence qualify the one before it (단, … / 다만, … / ※ …)?"""
    return bool(_CAVEAT.match(sentence))


# '이는 임신 1회당 100만 원 지급됩니다.': what '이는' (this), '이때' (then) or '이 경우' (in that case) points
# to is the sentence before; quoted alone, the card reads out an amount of nothing
_POINTS_BACK = re.compile(r"^(?:이는|이때|이\s*때|이\s*경우|이를|이에\s*따라)\s")


def leans_back(sentence: str) -> bool:
    """Does the sentence need the one before it to be understood (a caveat, or one that opens by pointing
    back to it)?"""
    return caveat(sentence) or bool(_POINTS_BACK.match(sentence))


# '주거급여 및 교육급여수급자의 경우, … 월 17만 원': one row of a table of cases, each with its own amount
_CASE = re.compile(r"^[^.,]{2,60}?(?:의|인|일)\s*경우\s*,?")


def case_rows(cands: Sequence[str], chosen: set[str], reach: int = 3) -> set[str]:
    """The other rows of each chosen case-and-amount row ('…의 경우, … 월 N원'): the sentences next to it (up to
    ``reach`` away, a run of rows) that name a case and give an amount too. Read out alone, one case's amount
    answers a caller of another case."""
    rows = [i for i, s in enumerate(cands) if _CASE.match(s) and benefit_amount(s)]
    out = set(chosen)
    for i in rows:
        if cands[i] in chosen:
            run = [j for j in rows if abs(j - i) <= reach]
            out.update(cands[j] for j in run)
    return out


def with_qualifiers(cands: Sequence[str], chosen: set[str], most_chars: int = 120) -> set[str]:
    """``chosen`` and, after each chosen sentence, the short ones that qualify it ('단, 공무원연금 수급자는
    제외됩니다', '이는 다문화가정 청소년, 중도입국 청소년 … 등이 해당한다'): a rule read out without its exception
    misleads as an exception read out without its rule does (chains followed)."""
    out = set(chosen)
    for i in range(len(cands) - 1):
        if cands[i] in out and leans_back(cands[i + 1]) and len(cands[i + 1]) <= most_chars:
            out.add(cands[i + 1])
    return out


def with_antecedents(cands: Sequence[str], chosen: set[str]) -> set[str]:
    """``chosen`` and the sentence before each chosen one that leans back on it (chains followed)."""
    out = set(chosen)
    for i in range(len(cands) - 1, 0, -1):
        if cands[i] in out and leans_back(cands[i]):
            out.add(cands[i - 1])
    return out


def asked(question: str) -> list[str]:
    """The kinds of information a question asks for (amount, contact, when, who, how)."""
    return [name for name, (cue, _) in INTENTS.items() if cue.search(question)]


class ExtractiveGenerator:
    """Quotes the first source: its title line, its first sentence, then the sentences that best answer
    the question, in the entry's own order, each cited [1].

    A sentence scores one point per question word it shares beyond the entry's title words (the title
    is said already, and manual sentences repeat it), and two per kind of information the question asks
    for that it gives (an amount, a phone number, a period, who qualifies, how to apply). Each kind asked
    gets its best sentence first (a question about the amount and the deadline gets both), then the
    best of the rest fill up to ``max_sentences`` (at least one more than the kinds asked, at most 5).
    Then what every caller is told whatever they asked (``always``: who qualifies, what is given and how
    much, how to apply), each by its best sentence when none chosen says it yet: a question that shares
    no word with the manual (another language, a situation told in everyday words) still gets them. And
    where to ask: the entry's contact line and, when that line gives no number, the sentence that does; a
    website named without its address ('…누리집에서 신청') brings the sentence that gives it (``site_sentence``).
    A question about what to bring gets the manual's list of documents whole. A quoted sentence comes with the short
    one after it that qualifies it ('단, …은 제외됩니다', '이는 … 해당한다': ``with_qualifiers``), as one that leans
    back comes with the one before (``with_antecedents``). The leads of the manual's
    내용 and 신청방법 paragraphs are always quoted (``sections.given_lead``,
    ``sections.apply_lead``), and a chosen list
    intro ('…의 지원내용은 다음과 같습니다.') brings the sentences it announces (``lists.list_items``), and two
    quoted steps of a numbered procedure bring the short steps between them (``lists.numbered_gaps``). A sentence
    the manual repeats word for word (the same phone line closing two paragraphs) is said once."""

    name = "extractive"

    def __init__(self, tokenize: Callable[[str], list[str]], max_sentences: int = 3, cache_size: int = 50_000,
                 always: Sequence[str] = ALWAYS) -> None:
        self.max_sentences = max_sentences
        unknown = [name for name in always if name not in INTENTS]
        if unknown:
            raise ValueError(f"unknown kinds of information {unknown}; valid: {', '.join(INTENTS)}")
        self.always = tuple(always)
        # manual sentences come back question after question (popular entries most of all), and their
        # morphemes never change: tokenizing them was half of an answer's own CPU time
        self._tokens = functools.lru_cache(maxsize=cache_size)(lambda text: frozenset(tokenize(text)))
        self.tokenize = tokenize

    def select(self, question: str, entry: EntryRecord) -> list[str]:
        cands = [s for s in split_sentences(entry.content) if not s.startswith(("분야:", "지원 주기:"))]
        if not cands:
            return []
        q = set(self.tokenize(question)) - self._tokens(entry.title)
        kinds = asked(question)
        wants = [INTENTS[name][1] for name in kinds]
        scored = []
        for i, s in enumerate(cands[1:], start=1):
            score = len(q & self._tokens(s)) + 2 * sum(1 for looks in wants if looks.search(s))
            scored.append((score, -i, s))
        ranked = sorted(scored, reverse=True)
        chosen = {cands[0]}  # the summary, then what answers

        def answer(looks: Looks) -> None:
            """Add the best sentence that gives this kind of information, unless one chosen gives it. Best
            by what it adds: a kind asked that a chosen sentence already gives earns it nothing (the late-
            filing rule '6월 1일부터 … 10% 감액 지급' gives a date and a share, and came before '매년 5월에
            신청하여 9월에 지급' for "how much, and when?" once the amount was on the card)."""
            if any(looks.search(c) for c in chosen):
                return
            open_kinds = [w for w in wants if not any(w.search(c) for c in chosen)]
            best = max(((not caveat(s), len(q & self._tokens(s)) + 2 * sum(1 for w in open_kinds if w.search(s)),
                         -i, s) for i, s in enumerate(cands[1:], start=1) if looks.search(s)), default=None)
            if best:
                chosen.add(best[3])

        budget = min(max(self.max_sentences, len(kinds) + 1), 5)
        for looks in wants:  # each kind of thing asked, answered by its best sentence
            if len(chosen) < budget:
                answer(looks)
        for score, neg_i, s in ranked:
            if len(chosen) >= budget or score <= 0:
                break
            if caveat(s) and cands[-neg_i - 1] not in chosen:
                continue  # an exception quoted without its rule misleads ('단, 식대는 50% 지원' alone)
            chosen.add(s)
        for name in self.always:  # what every caller is told, asked or not (beyond the budget)
            answer(INTENTS[name][1])
        lead = given_lead(entry.content, cands) if "support" in self.always else None
        if lead in cands:
            chosen.add(lead)  # the manual's own '…지원내용은 …': a cap or a fee alone does not say what is given
        how = apply_lead(entry.content, cands) if "how" in self.always else None
        if how in cands:
            chosen.add(how)  # the manual's own '…신청방법은 …': a title or a 신청문의 line with 신청 in it does not say how
        contact = contact_sentence(cands)
        if contact and not any(phones.gives_phone(c) or c.startswith(_CONTACT_LABELS) for c in chosen):
            chosen.add(contact)  # where to send the caller: the counselor always needs it
        if not any(gives_number(c) for c in chosen):
            number = phone_sentence(cands)
            if number:
                chosen.add(number)  # '…의 전화번호는 1544-4500 입니다' follows a contact line without one
        site = site_sentence(cands, chosen)
        if site:
            chosen.add(site)
        if "documents" in kinds:  # what to bring was asked: the whole list of what to hand in, not its first item
            chosen |= marked_items(cands, {c for c in chosen if INTENTS["documents"][1].search(c)})
        if "amount" in kinds:  # how much was asked: every case of a table of amounts, not the first case's
            chosen = case_rows(cands, chosen)
        chosen = with_qualifiers(cands, with_antecedents(cands, numbered_gaps(cands, chosen | list_items(cands, chosen))))
        return [s for s in dict.fromkeys(cands) if s in chosen]  # a sentence the manual repeats, said once

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        if not request.sources:
            return
        entry = request.sources[0]
        region = f"{entry.region_label} " if entry.sido else ""
        yield cite_each(f"{region}{entry.title} 안내입니다.")
        for s in self.select(request.question, entry):
            yield " " + cite_each(s)


def cite_each(text: str, n: int = 1) -> str:
    """'A! B.' → 'A[1]! B[1].': split the way the grounding check splits, so every part carries its citation
    (a title such as '냉(冷)큼 달려갑니다! 쿨한 돌봄' is two sentences to the check)."""
    out = []
    for part in grounding.split_sentences(text):
        end = part[-1] if part[-1] in ".!?。" else "."
        out.append(f"{part.rstrip('.!?。').rstrip()}[{n}]{end}")
    return " ".join(out)


class OpenAIChatGenerator:
    """Streams a chat completion from an OpenAI-compatible server.

    >>> gen = OpenAIChatGenerator("http://127.0.0.1:8000/v1", "qwen2.5-7b-instruct")   # doctest: +SKIP
    """

    def __init__(self, base_url: str, model: str, *, api_key: str = "unused", timeout: float = 8.0,
                 max_retries: int = 1, temperature: float = 0.0, max_tokens: int = 400) -> None:
        self.base_url, self.model, self.api_key = base_url, model, api_key
        self.timeout, self.max_retries = timeout, max_retries
        self.temperature, self.max_tokens = temperature, max_tokens
        self.name = f"llm:{model}"
        self._client: Any = None

    def load(self) -> None:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key or "unused",
                                  timeout=self.timeout, max_retries=self.max_retries)

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        import openai

        self.load()
        try:
            stream = self._client.chat.completions.create(
                model=self.model, messages=request.messages, stream=True,
                temperature=self.temperature, max_tokens=self.max_tokens)
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.OpenAIError as exc:
            raise GeneratorError(f"{self.name} at {self.base_url} failed: {type(exc).__name__}: {exc}") from exc


__all__ = ["ExtractiveGenerator", "GenerationRequest", "Generator", "GeneratorError", "OpenAIChatGenerator"]
