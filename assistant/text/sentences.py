"""Sentences of Korean text: the one splitter for manual text (chunking, the answer card, key facts)
and for answers (the grounding check).

A sentence ends at a line break (manual lines are ``label: value`` rows and list items), at a stop
followed by a space (``. ! ? 。``), and wherever Kiwi's ``split_into_sents`` sees one end: without
punctuation (``…지원됩니다 신청은…``), after a closing quote, or with no space after the stop
(``…지원한다.아동학대…``). A boundary Kiwi draws where the text has no space is kept only after a
sentence ending (EF): a dot or a full-width question mark between nouns (``생계.의료급여``, ``민.관``,
``민간？가정``) does not end one. A list number stays with its item (``1. 장애정도 …``, as Kiwi reads it).
A dotted date does not end one either: its dots are the date's (``2005.1.1.~2011.12.31. 출생자``,
``2022. 1. 1. 이후``, ``3. 15.까지``): a Korean sentence ends on its predicate, never on a date.
Whitespace inside a sentence is folded; one-character fragments are dropped.

Splitting takes a Kiwi analysis (a millisecond or so per manual entry), and the same entries come back
request after request, so results are kept (an LRU of ``CACHE_SIZE`` texts).

>>> split_sentences("요약입니다. 1. 신청은 방문\\n담당 부서: 복지과")  # doctest: +SKIP
['요약입니다.', '1. 신청은 방문', '담당 부서: 복지과']
>>> [m.group(0) for m in DOTTED_DATE.finditer("2022. 1. 1. 이후, 2005.1.1.~2011.12.31. 출생자, 3. 15.까지, 1. 신청")]
['2022. 1. 1.', '2005.1.1.', '2011.12.31.', '3. 15.']
"""


from __future__ import annotations

import functools
import re
from typing import Any

from assistant.text.tokenizer import shared_kiwi

CACHE_SIZE = 8192


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order; see the module docstring."""
    return list(_split(text))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _split(text: str) -> tuple[str, ...]:
    kiwi = shared_kiwi()
    out: list[str] = []
    for line in text.splitlines():
        if line.strip():
            out.extend(_split_line(kiwi, line))
    return tuple(s for s in out if len(s) > 1)


_STOP = re.compile(r"(?<=[.!?。])\s+")
# year.month(.day). ('2022. 1. 1.', '′24. 5. 16.'), a range's second half ('~12. 31.'), or month.day. before a
# particle of time ('3. 15.까지'); a list number ('1. 신청') is none of these
DOTTED_DATE = re.compile(r"(?:\d{4}|[′'’]\d{2})\s?\.\s?\d{1,2}\s?\.(?:\s?\d{1,2}\s?\.)?"
                         r"|~\s?\d{1,2}\s?\.\s?\d{1,2}\s?\."
                         r"|(?<![\d.])\d{1,2}\.\s?\d{1,2}\.(?=\s?(?:까지|부터|이후|이전|기준|~))")
_LIST_NUMBER = re.compile(r"\d{1,2}[.)]")


def _split_line(kiwi: Any, line: str) -> list[str]:
    starts = {m.end() for m in _STOP.finditer(line)}
    last: Any = None
    for sent in kiwi.split_into_sents(line, return_tokens=True):
        if last is not None and (sent.start > last.end or _ends_sentence(last.tokens)):
            starts.add(sent.start)
        last = sent
    for m in DOTTED_DATE.finditer(line):  # inside a date or right after it: the date's dots, not stops
        starts -= {i for i in starts if m.start() < i <= m.end() or line[m.end():i].isspace()}
    pieces: list[str] = []
    begin = 0
    for start in sorted(starts):
        if not _LIST_NUMBER.fullmatch(line[begin:start].strip()):
            pieces.append(line[begin:start])
            begin = start
    pieces.append(line[begin:])
    return [" ".join(p.split()) for p in pieces]


def _ends_sentence(tokens: Any) -> bool:
    """The last word before the stop is a sentence ending (EF), as in ``지원한다.``."""
    words = [t for t in tokens if not t.tag.startswith("S")]
    return bool(words) and words[-1].tag.startswith("EF")
