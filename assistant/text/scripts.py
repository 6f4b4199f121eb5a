"""Which writing system a question is written in: the share of its letters in a set of scripts.

The retriever reads the Hangul share to tell Korean questions from foreign ones; the abstention policy
reads the share in the scripts its foreign floor was calibrated on. One definition of each script here.

>>> hangul_share("rent 월세"), calibrated_share("Хүүхдийн тэтгэмж")
(0.333..., 0.0)
"""

from __future__ import annotations

import re

HANGUL = re.compile(r"[가-힣ㄱ-ㅣ]")
IDEOGRAPH = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Latin (with Vietnamese's letters), Han and kana: the scripts the advisor's foreign cosine floor was
# calibrated on (English, Vietnamese, Chinese and Japanese questions)
CALIBRATED = re.compile(rf"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u3040-\u30ff{IDEOGRAPH}]")


def share(text: str, script: re.Pattern[str], empty: float = 0.0) -> float:
    """The share of ``text``'s letters that ``script`` matches (``empty`` when it has no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return empty
    return sum(1 for c in letters if script.match(c)) / len(letters)


def hangul_share(text: str) -> float:
    return share(text, HANGUL)


def written_in_korean(text: str) -> bool:
    """Whether most of the question's letters are Hangul. A foreign caller's question often carries a few
    Korean words (a district, a programme's name: 'Би 노원구-д амьдардаг'); it is still a foreign question.
    Korean questions run at 0.89 Hangul or more, foreign ones at 0.12 or less (dev, train and the
    team's written set, 639 questions).

    >>> written_in_korean("기초연금 신청"), written_in_korean("I live in 노원구, can I apply?")
    (True, False)
    """
    return hangul_share(text) >= 0.5


VIETNAMESE = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
KANA = re.compile(r"[\u3040-\u30ff]")
IDEOGRAPHS = re.compile(rf"[{IDEOGRAPH}]")


#: what ``foreign_language`` can tell apart (a language-specific floor may name only these)
FOREIGN_LANGUAGES = ("en", "vi", "zh", "ja")


def foreign_language(text: str) -> str:
    """A foreign question's language as far as its letters tell, one of ``FOREIGN_LANGUAGES``: 'ja' (kana),
    'zh' (Chinese characters without kana), 'vi' (Vietnamese letters), 'en' (other Latin script); or ''
    (any other script).

    >>> [foreign_language(t) for t in ("rent help", "Tôi cần hỗ trợ", "家賃の支援", "房租补助", "Түрээс")]
    ['en', 'vi', 'ja', 'zh', '']
    """
    if KANA.search(text):
        return "ja"
    if IDEOGRAPHS.search(text):
        return "zh"
    if VIETNAMESE.search(text):
        return "vi"
    return "en" if calibrated_share(text) >= 0.5 else ""


def calibrated_share(text: str) -> float:
    """Share of letters in a script the foreign floor was calibrated on; 1.0 for a text without letters."""
    return share(text, CALIBRATED, empty=1.0)
