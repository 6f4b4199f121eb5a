"""Korean tokenizer for BM25 on kiwipiepy.

Keeps content morphemes (nouns, verb/adjective stems, roots, numbers, foreign words, hanja), splits
complex words (``긴급복지지원`` → 긴급 복지 지원) and adds back the compounds that adjacent nouns form
(``출산 장려금`` written together → ``출산장려금``), so spacing differences between a caller's
words and a manual's don't decide the match. Its ``config()`` is saved with the index and
``KoreanTokenizer.from_config`` rebuilds the very same tokenizer at query time.

>>> tok = KoreanTokenizer(); tok.load()
>>> tok.tokenize("강남구 출산장려금 신청")
['강남구', '출산', '장려금', '출산장려금', '신청']

"""

from __future__ import annotations

import importlib.metadata as md
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

TOKENIZER_VERSION = "kiwi-content-v1"
QUERY_EXPANSION = "hanja-readings-v1"

KEEP_TAGS = frozenset({"NNG", "NNP", "NR", "SN", "SL", "SH", "XR", "VV", "VA", "W_SERIAL", "W_HASHTAG"})
NOUN_TAGS = frozenset({"NNG", "NNP", "XR"})
EN_STOP = frozenset(
    ["a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "at", "by", "from", "is", "are", "was", "were", "be", "been", "i", "you", "he", "she", "we", "they", "it", "my", "your", "our", "their", "me", "us", "do", "does", "did", "can", "could", "would", "should", "will", "how", "what", "when", "where", "which", "who", "why", "there", "this", "that", "these", "those", "am", "have", "has", "had", "not", "no", "if", "as", "so", "about", "any", "get", "want", "need"]
)


def _base_tag(tag: str) -> str:
    return tag.split("-", 1)[0]


class KoreanTokenizer:
    """Content-morpheme tokenizer. ``user_words`` are ``(word, tag, spaced)`` triples for service
    names Kiwi would otherwise mangle, e.g. ``("다함께돌봄", "NNP", "다함께 돌봄")``: the name stays one
    token, and the tokens of its spaced form are added beside it, so a caller who says it with
    spaces still matches."""

    def __init__(self, user_words: Sequence[Sequence[str]] = (), num_workers: int = -1) -> None:
        self.user_words = [(unicodedata.normalize("NFC", w[0]), w[1] if len(w) > 1 else "NNP",
                            unicodedata.normalize("NFC", w[2] if len(w) > 2 else w[0])) for w in user_words]
        self.num_workers = num_workers
        self._kiwi: Any = None
        self._hanja: Any = None
        self._parts: dict[str, list[str]] = {}
        # A search reads one question three ways (BM25 terms, thesaurus triggers, the urgent-term rules'
        # tags); Kiwi analyses it once. Bounded: only the last few questions are kept.
        self._recent: OrderedDict[str, list[Any]] = OrderedDict()
        self._recent_lock = threading.Lock()

    RECENT = 64

    def config(self) -> dict[str, Any]:
        return {
            "version": TOKENIZER_VERSION,
            "kiwipiepy": md.version("kiwipiepy"),
            "model": md.version("kiwipiepy-model"),
            "user_words": [list(p) for p in self.user_words],
            "query_expansion": QUERY_EXPANSION,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> KoreanTokenizer:
        return cls(user_words=[tuple(w) for w in config.get("user_words", [])])

    def load(self) -> None:
        if self._kiwi is not None:
            return
        self._kiwi, self._parts = _loaded_kiwi(tuple(self.user_words), self.num_workers)

    @staticmethod
    def _normalize(text: str) -> str:
        return unicodedata.normalize("NFKC", text)

    def _terms(self, tokens: Iterable[Any]) -> list[str]:
        out: list[str] = []
        run: list[Any] = []

        def flush() -> None:
            if len(run) >= 2:
                forms = [t.form for t in run]
                out.append("".join(forms))
                if len(run) >= 3:
                    out.extend(a + b for a, b in zip(forms, forms[1:], strict=False))
            run.clear()

        for t in tokens:
            tag = _base_tag(t.tag)
            if tag not in KEEP_TAGS:
                flush()
                continue
            form = t.form.lower() if tag == "SL" else t.form
            if tag == "SL" and form in EN_STOP:
                flush()
                continue
            if tag in NOUN_TAGS:
                if run and run[-1].start + run[-1].len != t.start:
                    flush()
                run.append(t)
            else:
                flush()
            out.append(form)
            if form in self._parts:
                out.extend(self._parts[form])
        flush()
        return out

    def _analyse(self, text: str) -> list[Any]:
        """Kiwi's morphemes of one text, from the memo of recent texts when it was just analysed."""
        self.load()
        key = self._normalize(text)
        with self._recent_lock:
            hit = self._recent.get(key)
            if hit is not None:
                self._recent.move_to_end(key)
                return hit
        tokens = list(self._kiwi.tokenize(key, split_complex=True))
        with self._recent_lock:
            self._recent[key] = tokens
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return tokens

    def forget_recent(self) -> None:
        """Empty the memo of recent analyses (benchmarks time each search as if its question were new)."""
        with self._recent_lock:
            self._recent.clear()

    def tokenize(self, text: str) -> list[str]:
        return self._terms(self._analyse(text))

    def morphemes(self, text: str) -> set[str]:
        """Every morpheme's form (particles and endings included): what thesaurus triggers match."""
        return {t.form.lower() for t in self._analyse(text)
                if not _base_tag(t.tag).startswith("S") or _base_tag(t.tag) in ("SL", "SN", "SH")}

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """Every morpheme as (form, base tag), in order: for rule matchers (the urgent-term dictionary)
        that need the negations BM25's terms leave out ('물이 *안* 나와요')."""
        return [(t.form.lower() if _base_tag(t.tag) == "SL" else t.form, _base_tag(t.tag))
                for t in self._analyse(text)]

    def tokenize_query(self, text: str) -> list[str]:
        """Query side: ``tokenize`` plus the Sino-Korean reading of any Chinese characters, as
        morphemes and as syllable bigrams (Chinese runs have no spaces to find words by)."""
        tokens = self.tokenize(text)
        if self._hanja is None:
            from assistant.text.crosslingual import HanjaReader

            self._hanja = HanjaReader()
        if not self._hanja.has_ideographs(text):
            return tokens
        for reading in self._hanja.runs(text):
            tokens.extend(self.tokenize(reading))
            tokens.extend(reading[i:i + 2] for i in range(len(reading) - 1))
        return tokens

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        self.load()
        normalized = [self._normalize(t) for t in texts]
        return [self._terms(toks) for toks in self._kiwi.tokenize(normalized, split_complex=True)]


_KIWI_LOCK = threading.Lock()
_KIWI: dict[tuple[tuple[tuple[str, str, str], ...], int], tuple[Any, dict[str, list[str]]]] = {}


def _loaded_kiwi(user_words: tuple[tuple[str, str, str], ...], num_workers: int) -> tuple[Any, dict[str, list[str]]]:
    """A loaded Kiwi (and the parts of each user word) per dictionary, shared by every tokenizer of that
    configuration in the process: loading costs seconds, and rebuilds and snapshot loads each make a
    tokenizer. Loaded on first use, never at import."""
    key = (user_words, num_workers)
    with _KIWI_LOCK:
        if key not in _KIWI:
            _KIWI[key] = _load_kiwi(user_words, num_workers)
        return _KIWI[key]


def shared_kiwi() -> Any:
    """A loaded Kiwi for work that does not depend on the user dictionary (sentence boundaries): the one
    a tokenizer of this process loaded already, else a plain one. A Kiwi model is ~400 MB resident and
    seconds to load: a second one just for sentences would cost both."""
    with _KIWI_LOCK:
        if _KIWI:
            return next(iter(_KIWI.values()))[0]
    return _loaded_kiwi((), -1)[0]


def _load_kiwi(user_words: tuple[tuple[str, str, str], ...], num_workers: int) -> tuple[Any, dict[str, list[str]]]:
    from kiwipiepy import Kiwi

    kiwi = Kiwi(num_workers=num_workers)
    parts: dict[str, list[str]] = {}
    if user_words:
        plain = Kiwi(num_workers=0)  # the parts are what the name's spaced form gives without the dictionary
        reader = KoreanTokenizer()
        reader._kiwi = plain
        # Kiwi reads a piece differently in different company (돌봄 alone is 돌보+ㅁ, before 신청 a
        # noun), so the parts are its analysis plus the spaced form's pieces as written
        parts = {
            w: list(dict.fromkeys(p for p in [*reader._terms(plain.tokenize(spaced, split_complex=True)),
                                              *(x for x in spaced.split() if len(x) >= 2)] if p != w))
            for w, _, spaced in user_words}
    for word, tag, _ in user_words:
        kiwi.add_user_word(word, tag)
    return kiwi, parts


def load_user_dictionary(path: Path) -> list[tuple[str, str, str]]:
    """``word<TAB>spaced form[<TAB>tag]`` lines; '#' starts a comment. A missing file is an empty dictionary."""
    if not path.exists():
        return []
    out = []
    for i, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise AssistantError(f"{path} line {i}: expected 'word<TAB>spaced form[<TAB>tag]'")
        out.append((cols[0], cols[2] if len(cols) > 2 and cols[2] else "NNP", cols[1]))
    return out
