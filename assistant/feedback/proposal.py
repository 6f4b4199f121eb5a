"""A new entry drafted from a knowledge-gap group: the questions the manuals could not answer and the calls they
came from (what the citizen asked, what the counselor said instead, how the call ended).

The proposal is only prefilled text for an editor: it goes through the ordinary draft → evaluation → publish flow
(``editor.drafts``), so nothing reaches counselors until an editor has written it and the gates pass.

>>> p = propose(["여권 재발급 어디서 해요", "여권 재발급 서류"], [], tokenize=str.split, today=date(2026, 11, 3))
>>> p["title"], p["scope"], p["entry_id"].startswith("gap:20261103-")
('여권 재발급 서류', 'national', True)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.calls.models import CallEvent
from assistant.calls.service import record_of
from assistant.errors import AssistantError, InvalidQuery
from assistant.feedback.models import Suggestion
from assistant.feedback.service import SuggestionNotFound
from assistant.kb.models import Entry, EntryVersion
from assistant.retrieval.regions import RegionResolver
from assistant.types import Region

MAX_IDS = 200
PLACEHOLDER = "※ 초안: 아래 질문과 상담 기록을 바탕으로 안내 내용을 작성하세요. 게시 전에 이 안내문과 질문 목록을 지우세요."


def title_of(questions: Sequence[str], tokenize: Callable[[str], list[str]]) -> str:
    """The question that says most of the words most questions share, as it was asked (morphemes such as '찾'
    make a poor title; the editor rewrites it anyway)."""
    if not questions:
        return "새 항목"
    words = Counter(w for q in questions for w in dict.fromkeys(tokenize(q)))
    common = {w for w, n in words.items() if n >= len(questions) // 2 + 1}
    typical = max(questions, key=lambda q: (sum(w in common for w in set(tokenize(q))), -len(q)))
    return " ".join(typical.split())[:300]


def region_of(regions: Sequence[Region]) -> Region:
    """The district most questions came from if it is at least half of those with a known region, else their
    city on the same terms, else none (a national entry)."""
    known = [r for r in regions if r.sido]
    if not known:
        return Region()
    districts = Counter(r for r in known if r.sigungu).most_common(1)
    if districts and districts[0][1] * 2 >= len(known):
        return districts[0][0]
    sido, m = Counter(r.sido for r in known).most_common(1)[0]
    return Region(sido) if m * 2 >= len(known) else Region()


def propose(questions: Sequence[str], records: Sequence[dict[str, str]], *, tokenize: Callable[[str], list[str]],
            regions: Sequence[Region] = (), categories: Sequence[str] = (), today: date) -> dict[str, Any]:
    """The draft's fields (``EntryCreate``'s) and what they were made from."""
    title = title_of(questions, tokenize)
    region = region_of(regions)
    scope = "sigungu" if region.sigungu else "sido" if region.sido else "national"
    asked = list(dict.fromkeys(q for q in questions if q.strip()))
    lines = [PLACEHOLDER, "", f"자주 들어온 질문 ({len(questions)}건):", *(f"- {q}" for q in asked[:10])]
    said = [r for r in records if r.get("상담사 안내")]
    if said:
        lines += ["", "상담사가 실제로 안내한 내용 (통화 기록):", *(f"- {r['상담사 안내']}" for r in said[:10])]
    ended = Counter(r["결과"] for r in records if r.get("결과"))
    if ended:
        lines += ["", "통화 결과: " + ", ".join(f"{k} {n}건" for k, n in ended.most_common())]
    digest = hashlib.sha256("\n".join(asked).encode()).hexdigest()[:6]
    category = Counter(c for c in categories if c).most_common(1)
    return {"entry_id": f"gap:{today.strftime('%Y%m%d')}-{digest}", "title": title or "새 항목",
            "content": "\n".join(lines), "scope": scope, "sido": region.sido, "sigungu": region.sigungu,
            "category": category[0][0] if category else "",
            "note": f"지식 공백에서 작성: 답하지 못한 질문 {len(questions)}건, 통화 기록 {len(records)}건",
            "questions": asked, "records": list(records)}


class GapDrafts:
    """Reads a gap group's suggestions and their calls, and proposes the new entry.

    >>> GapDrafts(engine, RegionResolver(), tokenize=tokenizer.tokenize).propose([12, 15])   # doctest: +SKIP
    """

    def __init__(self, engine: Engine, regions: RegionResolver, *, tokenize: Callable[[str], list[str]] = str.split) -> None:
        self.engine, self.regions, self.tokenize = engine, regions, tokenize

    def _region(self, label: str) -> Region:
        try:
            return self.regions.parse(label) if label.strip() else Region()
        except AssistantError:
            return Region()

    def propose(self, suggestion_ids: Sequence[int], agencies: list[str] | None = None) -> dict[str, Any]:
        """A new entry drafted from these suggestions; one of an agency not in ``agencies`` (``None`` = any)
        is not found."""
        ids = list(dict.fromkeys(suggestion_ids))
        if not ids or len(ids) > MAX_IDS:
            raise InvalidQuery(f"name 1 to {MAX_IDS} suggestion ids (suggestion_id=…), not {len(ids)}")
        with Session(self.engine) as s:
            rows = {r.id: r for r in s.exec(select(Suggestion).where(col(Suggestion.id).in_(ids)))
                    if agencies is None or r.agency in agencies}
            missing = [i for i in ids if i not in rows]
            if missing:
                raise SuggestionNotFound(missing[0])
            calls = sorted({r.call_id for r in rows.values() if r.call_id})
            events = list(s.exec(select(CallEvent).where(col(CallEvent.call_id).in_(calls)).order_by(col(CallEvent.id)))) if calls else []
            closest = {h["entry_id"] for r in rows.values() for h in r.hits[:1]}
            categories = list(s.exec(select(EntryVersion.category).join(
                Entry, (col(Entry.entry_id) == col(EntryVersion.entry_id))
                & (col(Entry.current_version) == col(EntryVersion.version)))
                .where(col(EntryVersion.entry_id).in_(closest)))) if closest else []
        ordered = [rows[i] for i in ids]
        return propose([r.question for r in ordered], call_records(events), tokenize=self.tokenize,
                       regions=[self._region(r.region) for r in ordered], categories=categories,
                       today=datetime.now(UTC).date())


def call_records(events: Sequence[CallEvent]) -> list[dict[str, str]]:
    """Per call (masked text, as stored): its after-call record (``calls.service.record_of``) and what the
    counselor said, which is what the manuals lacked."""
    by_call: dict[str, list[CallEvent]] = {}
    for e in events:
        by_call.setdefault(e.call_id, []).append(e)
    out = []
    for call_id, evs in by_call.items():
        said = [e.text for e in evs if e.kind == "utterance" and e.speaker == "counselor" and e.final]
        out.append({"call_id": call_id, **record_of(evs), "상담사 안내": " / ".join(said)})
    return out
