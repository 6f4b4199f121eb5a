"""Key facts and sentences read from a manual entry (no model involved).

>>> from assistant.types import EntryRecord, Scope
>>> e = EntryRecord(entry_id="x", title="t", content="요약.\\n신청 방법: 방문\\n담당 부서: 복지과", scope=Scope.sido)
>>> key_facts(e)["신청방법"]
'방문'
"""

from __future__ import annotations

import re

from assistant.text.sentences import split_sentences
from assistant.types import EntryRecord

FACT_KEYS = ("대상", "지원내용", "신청방법", "문의처", "기한")

_LINE_FIELDS = {  # 'label: value' lines of converted local entries and tabular exports
    "대상(생애주기)": "대상", "대상": "대상", "지원 형태": "지원내용", "지원내용": "지원내용",
    "신청 방법": "신청방법", "신청방법": "신청방법", "담당 부서": "문의처", "문의처": "문의처",
    "연락처": "문의처", "신청기간": "기한", "기한": "기한",
}
_PARAGRAPH_CUES = (  # the MOHW guide's '…의 대상은 …' paragraphs: explicit cues first, weaker ones after
    ("대상", ("의 대상은", "대상은")),
    ("지원내용", ("의 내용은", "내용은")),
    ("신청방법", ("의 신청방법은", "신청방법은", "신청 방법은")),
    ("문의처", ("에 대한 문의는", "문의는", "에 대한 자세한 문의", "문의할 수")),
)
_DEADLINE = re.compile(r"[^.\n]*(?:신청\s*기간|신청\s*기한|마감|이내에\s*신청|까지\s*신청)[^.\n]*")


def _LINE_VALUES_OF(entry: EntryRecord) -> set[str]:  # noqa: N802
    return {"", *(line.partition(":")[2].strip() for line in entry.content.splitlines() if ":" in line)}


def key_facts(entry: EntryRecord) -> dict[str, str]:
    """대상 / 지원내용 / 신청방법 / 문의처 / 기한, verbatim from the entry; missing ones are left out."""
    facts: dict[str, str] = {}
    for line in entry.content.splitlines():
        label, sep, value = line.partition(":")
        key = _LINE_FIELDS.get(label.strip())
        if sep and key and value.strip() and key not in facts:
            facts[key] = value.strip()
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", entry.content) if p.strip()]
    used: set[int] = set()
    for key, cues in _PARAGRAPH_CUES:
        for cue in cues:  # the strongest cue that some unused paragraph opens with wins
            i = next((i for i, p in enumerate(paras) if i not in used and cue in p[:120]), None)
            if i is not None and key not in facts:
                facts[key] = paras[i]
                used.add(i)
    first = split_sentences(entry.content)[:1]
    has_lines = len(_LINE_VALUES_OF(entry)) > 1
    if has_lines and first and ":" not in first[0][:12] and facts.get("지원내용", "") in _LINE_VALUES_OF(entry):
        # a local entry's summary says what is given; its '지원 형태' line only how (현금지급)
        kind = facts.get("지원내용")
        facts["지원내용"] = first[0] + (f" (지원 형태: {kind})" if kind else "")
    if "문의처" not in facts and (entry.department or entry.contact):
        facts["문의처"] = " ".join(p for p in (entry.department, entry.contact) if p)
    deadline = _DEADLINE.search(entry.content)
    if deadline:
        facts["기한"] = " ".join(deadline.group(0).split())
    return {k: facts[k] for k in FACT_KEYS if k in facts}
