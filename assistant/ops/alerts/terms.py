"""The urgent-term dictionary (긴급민원 말뭉치 사전) and matching it on kiwi morphemes (pure).

A row is ``topic<TAB>phrasing[<TAB>region]``: "물이 안 나와요" is 단수. A phrasing matches a question
when every one of its key morphemes (content morphemes, plus the negations 안/못/않 that turn
"물이 나와요" into a complaint) occurs in the question within a short span, in any order: spacing,
particles and endings never decide it. A row with a region applies to callers from there only.

>>> tagged = {"물이 안 나와요": [("물", "NNG"), ("이", "JKS"), ("안", "MAG"), ("나오", "VV"), ("아요", "EF")],
...           "수돗물 안 나와서 물이 필요해요": [("수돗물", "NNG"), ("안", "MAG"), ("나오", "VV"), ("아서", "EC"),
...                                      ("물", "NNG"), ("이", "JKS"), ("필요", "XR"), ("하", "XSA")],
...           "어제부터 물이 안 나오네요": [("어제", "NNG"), ("부터", "JX"), ("물", "NNG"), ("이", "JKS"),
...                                  ("안", "MAG"), ("나오", "VV"), ("네요", "EF")]}
>>> m = TermMatcher([TermRow("단수", "물이 안 나와요")], tagged.__getitem__)
>>> m.match(tagged["어제부터 물이 안 나오네요"], "서울특별시 강남구")
['단수']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files

from assistant.errors import InvalidQuery

Tagged = Sequence[tuple[str, str]]
Tagger = Callable[[str], Tagged]

# the tokenizer's content tags (BM25 terms) ...
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "SN", "SL", "SH", "XR", "VV", "VA"})
# ... and the negations BM25 drops but a complaint turns on
NEGATIONS = frozenset({("안", "MAG"), ("못", "MAG"), ("않", "VX"), ("못하", "VX")})
SPAN_SLACK = 2  # other morphemes allowed between a phrasing's own ones
ACCEPTED = ("a row is topic<TAB>phrasing[<TAB>region] (JSON: {\"topic\", \"phrase\", \"region\"}): a topic "
            "such as 단수, a phrasing callers use such as '물이 안 나와요', and optionally a region such as "
            "'서울특별시' or '서울특별시 강남구'")


class InvalidTerm(InvalidQuery):
    """Dictionary rows that cannot be used; the message lists each problem and the accepted form."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} bad dictionary row(s): {'; '.join(problems[:20])}. {ACCEPTED}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TermRow:
    """One phrasing of a topic; ``region`` is a full label ('' = every region)."""

    topic: str
    phrase: str
    region: str = ""


def keys_of(tagged: Tagged) -> list[str]:
    """The morphemes matching is decided on, in order."""
    return [form for form, tag in tagged if tag in CONTENT_TAGS or (form, tag) in NEGATIONS]


def parse_tsv(text: str, source: str = "dictionary") -> list[TermRow]:
    """Rows of a dictionary file ('#' starts a comment); every bad line is reported at once."""
    rows, problems = [], []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) > 3 or len(cols) < 2 or not cols[0] or not cols[1]:
            problems.append(f"{source} line {i}: {raw.strip()!r}")
            continue
        rows.append(TermRow(cols[0], cols[1], cols[2] if len(cols) > 2 else ""))
    if problems:
        raise InvalidTerm(problems)
    return rows


def shipped_terms() -> list[TermRow]:
    """The default dictionary, package data (``urgent_terms.tsv``)."""
    text = files("assistant.ops.alerts").joinpath("urgent_terms.tsv").read_text(encoding="utf-8")
    return parse_tsv(text, "urgent_terms.tsv")


def applies(term_region: str, region: str) -> bool:
    """Does a row for ``term_region`` apply to a caller from ``region`` (both full labels)?"""
    return not term_region or region == term_region or region.startswith(term_region + " ")


@dataclass(frozen=True, slots=True)
class _Compiled:
    topic: str
    keys: Counter[str]
    span: int
    region: str


class TermMatcher:
    """Topics of a question, from rows compiled once with ``tagger`` (the project's kiwi tokenizer).

    Terms are indexed by their rarest-looking key (the longest), so a question is checked only
    against the rows that could match it. A row whose phrasing has no key morpheme is refused.
    """

    def __init__(self, rows: Iterable[TermRow], tagger: Tagger, *, slack: int = SPAN_SLACK) -> None:
        self.slack = slack
        self.topics: set[str] = set()
        self._by_key: dict[str, list[_Compiled]] = defaultdict(list)
        problems = []
        for row in rows:
            keys = keys_of(tagger(row.phrase))
            if not keys or not row.topic.strip():
                problems.append(f"{row.topic!r} / {row.phrase!r}: " + ("empty topic" if not row.topic.strip()
                                                                       else "no word to match on"))
                continue
            compiled = _Compiled(row.topic, Counter(keys), len(keys) + slack, row.region)
            self._by_key[max(keys, key=len)].append(compiled)
            self.topics.add(row.topic)
        if problems:
            raise InvalidTerm(problems)

    def match(self, tagged: Tagged, region: str = "") -> list[str]:
        keys = keys_of(tagged)
        present = set(keys)
        found: set[str] = set()
        for key in present:
            for term in self._by_key.get(key, ()):
                if term.topic in found or not applies(term.region, region) or not present.issuperset(term.keys):
                    continue
                if _within_span(keys, term.keys, term.span):
                    found.add(term.topic)
        return sorted(found)


def _within_span(keys: Sequence[str], wanted: Counter[str], span: int) -> bool:
    """Do all of ``wanted`` occur in some ``span`` consecutive items of ``keys``?"""
    for start, key in enumerate(keys):
        if key not in wanted:
            continue
        if not wanted - Counter(keys[start:start + span]):
            return True
    return False
