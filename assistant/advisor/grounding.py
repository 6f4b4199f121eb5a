"""Deterministic grounding check: every sentence must cite a source it is supported by.

A sentence is kept when it cites at least one given source ``[n]`` and every number, amount,
phone number, date, department-like name, HTML tag, link and letters-and-digits code in it appears
in one of the sources it cites.

>>> report, kept = check_grounding("지원금은 20만 원입니다 [1]. 30만 원도 됩니다 [1].", ["지원금 20만 원"])
>>> kept, report.unsupported
('지원금은 20만 원입니다 [1].', 1)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.links import WEB_ADDRESS
from assistant.text.sentences import split_sentences as text_sentences
from assistant.types import GroundingReport

CITE = re.compile(r"\[(\d{1,2})\]")
NUMBER = re.compile(r"\d[\d,.\-~]*\d|\d")
ORG = re.compile(r"[가-힣A-Za-z0-9]{2,}(?:과|팀|센터|공단|공사|사무소|주민센터|행정복지센터|보건소|구청|시청|군청|청)(?=[^가-힣A-Za-z0-9]|[을를이가은는의에와과로도만입랑나께]|$)")
# Markup, links and codes (a script tag, a tracking link, a key): a model can make them up as easily as a
# number, and a page that shows the answer may render them, so they too must be in the cited source.
# (web addresses by the one pattern of ``text.links``, bare host names such as tv.kcmf.or.kr included)
MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|" + WEB_ADDRESS.pattern +
                    r"|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{4,}(?![A-Za-z0-9_])")


def _norm(text: str) -> str:
    return re.sub(r"[\s,]", "", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer, split as manual text is; a citation right after the full stop stays with its sentence."""
    text = re.sub(r"([.!?。])\s*((?:\[\d{1,2}\])+)", r"\2\1", text)  # '…다. [1]' → '…다[1].'
    return text_sentences(text)


def claims(sentence: str) -> list[str]:
    """Checkable facts in a sentence: numbers (amounts, phones, dates) and organisation names."""
    body = CITE.sub("", sentence)
    found = [m.group(0).strip(".,-~") for m in NUMBER.finditer(body)]
    found += [m.group(0) for m in ORG.finditer(body)]
    found += [m.group(0).rstrip(".,;:") for m in MARKUP.finditer(body)]
    return [c for c in found if c]


def check_grounding(answer: str, sources: Sequence[str]) -> tuple[GroundingReport, str]:
    """Returns the report and the answer with unsupported sentences removed."""
    normed = [_norm(s) for s in sources]
    kept, removed, reasons = [], [], []
    parts = split_sentences(answer)
    for sentence in parts:
        cited = {int(n) for n in CITE.findall(sentence)}
        valid = sorted(n for n in cited if 1 <= n <= len(sources))
        if not valid:
            removed.append(sentence)
            reasons.append("cites no retrieved source" if not cited else f"cites unknown source {sorted(cited)}")
            continue
        missing = [c for c in claims(sentence) if not any(_norm(c) in normed[n - 1] for n in valid)]
        if missing:
            removed.append(sentence)
            reasons.append(f"not in cited source: {', '.join(missing)}")
            continue
        kept.append(sentence)
    return GroundingReport(len(parts), len(kept), tuple(removed), tuple(reasons)), " ".join(kept)
