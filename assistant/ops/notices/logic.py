"""Notices (공지), the pure part: topic words, time windows, status, matching a question, a draft from an alert.

A notice's topic words match a question on kiwi morphemes (the project tokenizer): every content morpheme
of one topic word must be among the question's, so spacing, particles and word order never decide it
("수돗물 단수" matches "단수돼서 수돗물이 안 나와요").

>>> tok = lambda s: s.replace(",", " ").split()          # the real one is KoreanTokenizer.tokenize
>>> parse_topics("단수, 수돗물", tok)
['단수', '수돗물']
>>> matched_topics(topic_terms(["단수", "수돗물 탁함"], tok), {"역삼동", "단수", "나오"})
['단수']
>>> status_of(at(9), at(18), None, at(12)), status_of(at(9), at(18), at(11), at(12)), status_of(at(9), at(18), None, at(19))
('active', 'ended', 'expired')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from assistant.errors import AssistantError, InvalidQuery, NotFound

Tokenize = Callable[[str], list[str]]
# Korea keeps one offset all year: a time typed without a zone is a Korean wall-clock time
KST = timezone(timedelta(hours=9), "KST")
MAX_WINDOW = timedelta(days=14)  # longer than that is a manual entry, not a notice
DEFAULT_DRAFT_HOURS = 3
MAX_TOPICS, MAX_TOPIC_CHARS = 20, 40
STATUSES = ("scheduled", "active", "ended", "expired")
_PLACE = re.compile(r"..(동|로|길|읍|면|리|가)$|^\d+(동|가)$")
TOPIC_FORMS = ("one or more words or short phrases, as a list ([\"단수\", \"수돗물\"]) or separated by commas "
               "(\"단수, 수돗물\"), each with at least one content word (a noun or a verb stem)")


class InvalidNotice(InvalidQuery):
    """A notice that cannot be posted as sent (422); the message says what is accepted."""


class NoticeNotFound(NotFound):
    def __init__(self, notice_id: int) -> None:
        super().__init__(f"notice not found: {notice_id}")


class NoticeEnded(AssistantError):
    """The notice has ended or expired already (409): nothing was changed."""


def at(hour: int, day: int = 3) -> datetime:
    """A UTC time on 2026-12-<day> (doctests and tests)."""
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def parse_topics(value: str | Sequence[str] | None, tokenize: Tokenize) -> list[str]:
    """The topic words as sent (a list, or one string separated by commas), trimmed and deduplicated."""
    raw = value.split(",") if isinstance(value, str) else list(value or [])
    topics: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise InvalidNotice(f"topics: {item!r} is not text; accepted: {TOPIC_FORMS}")
        word = " ".join(item.split())
        if word and word not in topics:
            topics.append(word)
    if not topics:
        raise InvalidNotice(f"topics is empty; accepted: {TOPIC_FORMS}")
    if len(topics) > MAX_TOPICS:
        raise InvalidNotice(f"topics: at most {MAX_TOPICS} words or phrases, not {len(topics)}")
    for word in topics:
        if len(word) > MAX_TOPIC_CHARS:
            raise InvalidNotice(f"topics: {word[:20]!r}… is longer than {MAX_TOPIC_CHARS} characters; "
                                f"accepted: {TOPIC_FORMS}")
        if not tokenize(word):
            raise InvalidNotice(f"topics: {word!r} has no content word to match questions on; accepted: {TOPIC_FORMS}")
    return topics


def from_input(value: datetime) -> datetime:
    """A time sent by a client: one without a zone is Korean time."""
    return value.replace(tzinfo=KST) if value.tzinfo is None else value


def from_db(value: datetime) -> datetime:
    """A time read back from the database (SQLite forgets the zone; it was stored in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def window(starts_at: datetime | None, ends_at: datetime | None, duration_minutes: int | None,
           now: datetime) -> tuple[datetime, datetime]:
    """(start, end) in UTC: from ``starts_at`` (default now) to ``ends_at`` or for ``duration_minutes``."""
    if ends_at is not None and duration_minutes is not None:
        raise InvalidNotice("send ends_at or duration_minutes, not both")
    if ends_at is None and duration_minutes is None:
        raise InvalidNotice("the notice needs an end: ends_at (e.g. '2026-12-03T18:00', Korean time unless a zone "
                            "is given) or duration_minutes (e.g. 180)")
    start = from_input(starts_at).astimezone(UTC) if starts_at is not None else now
    if duration_minutes is not None:
        if duration_minutes <= 0:
            raise InvalidNotice(f"duration_minutes must be positive, not {duration_minutes}")
        end = start + timedelta(minutes=duration_minutes)
    else:
        assert ends_at is not None
        end = from_input(ends_at).astimezone(UTC)
    if end <= now:
        raise InvalidNotice(f"ends_at ({kst(end)}) has passed already (now {kst(now)})")
    if end <= start:
        raise InvalidNotice(f"ends_at ({kst(end)}) must be after starts_at ({kst(start)})")
    if end - start > MAX_WINDOW:
        raise InvalidNotice(f"a notice lasts at most {MAX_WINDOW.days} days; for longer, edit the manual entry")
    return start, end


def status_of(starts_at: datetime, ends_at: datetime, ended_at: datetime | None, now: datetime) -> str:
    """'scheduled', 'active', 'ended' (early, by someone) or 'expired' (its window is over)."""
    if ended_at is not None and ended_at <= now:
        return "ended"
    if now >= ends_at:
        return "expired"
    return "active" if now >= starts_at else "scheduled"


def parse_status(value: str) -> str:
    if value not in (*STATUSES, "all"):
        raise InvalidNotice(f"unknown status {value!r}; valid: {', '.join((*STATUSES, 'all'))}")
    return value


def topic_terms(topics: Sequence[str], tokenize: Tokenize) -> list[tuple[str, frozenset[str]]]:
    """Each topic word with its morphemes, computed once per notice."""
    return [(t, frozenset(m.lower() for m in tokenize(t))) for t in topics]


def matched_topics(terms: Sequence[tuple[str, frozenset[str]]], question: set[str]) -> list[str]:
    """The topic words all of whose morphemes the question has."""
    return [t for t, morphemes in terms if morphemes and morphemes <= question]


def kst(value: datetime) -> str:
    return from_db(value).astimezone(KST).strftime("%Y-%m-%d %H:%M")


def cite_label(author: str, posted_at: datetime) -> str:
    """How an answer cites a notice: '공지 · 감독 박서연 · 12월 3일 14:05 게시'."""
    t = from_db(posted_at).astimezone(KST)
    return f"공지 · {author} · {t.month}월 {t.day}일 {t:%H:%M} 게시"


def _district(region: str) -> str:
    return region.split(" ", 1)[-1] if region else ""


def draft_from_alert(alert: Mapping[str, Any], tokenize: Tokenize, now: datetime, *,
                     hours: int = DEFAULT_DRAFT_HOURS) -> dict[str, Any]:
    """A notice prefilled from an urgent-issue alert (topic, region, samples, and its id if it has one):
    the topic and the words most of the samples share as topic words, a text to complete, three hours.
    Nothing is stored; the supervisor corrects it and posts it."""
    topic = " ".join(str(alert.get("topic") or "").split())
    region = str(alert.get("region") or "")
    if not topic:
        raise InvalidNotice(f"the alert has no topic; accepted: {TOPIC_FORMS}")
    samples = [str(s) for s in alert.get("samples") or [] if str(s).strip()]
    own = set(tokenize(topic)) | set(tokenize(region)) | {_district(region)}
    counts = Counter(m for s in samples for m in set(tokenize(s)) if m not in own
                     and not re.fullmatch(r"[\d.]+", m))
    common = [m for m, n in counts.most_common() if n >= max(2, (len(samples) + 1) // 2)]
    places = [m for m in common if _PLACE.search(m)]  # 역삼동, 테헤란로: where, not what
    # only morphemes that read back as themselves: a verb stem alone ('나오') may not, and a topic word is
    # matched by tokenizing it again
    words = [m for m in common if m not in places and set(tokenize(m)) == {m}][:3]
    # the samples' shared words as ONE phrase: a question must use all of them ('물 나오' matches '물이 안
    # 나와요', not '서류가 나오나요'), so the draft does not match every question with a common verb
    topics = [topic, " ".join(words)] if words else [topic]
    count = alert.get("count")
    seen = f"{count}건 " if isinstance(count, int) else ""
    where = places[0] if places else (_district(region) or region or "(지역)")
    text = f"{where} 일대 {topic} 관련 문의 {seen}접수 중. 원인·복구 예정 시각·문의처를 확인해 고쳐 쓰세요."
    alert_id = alert.get("id", alert.get("alert_id"))
    return {"region": region, "text": text, "topics": topics, "starts_at": now,
            "ends_at": now + timedelta(hours=hours), "source_alert": "" if alert_id is None else str(alert_id)}
