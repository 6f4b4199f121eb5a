"""Whom an entry is for, and how a caller's situation fits it: pure functions over ``Situation``.

An entry's eligibility is read with the same lexicon as the caller's words, from its title, its
category and its 대상 text (the national booklet's '...대상은' paragraph; welfare-local's summary and
its 생애주기 line). Fit is counted per attribute, so the ranker and the clarifying question share it.

>>> from assistant.rank.situation import Situation
>>> caller = Situation({"stage": frozenset({"노년"})})
>>> entry = Situation({"stage": frozenset({"노년"}), "disability": frozenset({"yes"})})
>>> f = fit(caller, entry)
>>> (f.stage, f.met, f.unstated)
(1, 0, ('disability',))
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from assistant.rank.situation import ATTRIBUTES, Situation, SituationLexicon
from assistant.types import EntryRecord

_LIFECYCLE = re.compile(r"대상\(생애주기\):\s*([^\n]+)")
_TARGET_PARA = re.compile(r"[^\n]*대상(?:은|자는|:)[^\n]*")

#: attributes that restrict who qualifies (life stage is scored on its own)
REQUIREMENTS = tuple(a for a in ATTRIBUTES if a != "stage")


def target_text(entry: EntryRecord, max_chars: int = 400) -> str:
    """The text that says whom the entry is for: title, category, the 대상 sentence or the summary."""
    m = _TARGET_PARA.search(entry.content)
    target = m.group(0) if m else entry.content.split("\n", 1)[0]
    return f"{entry.title}\n{entry.category}\n{target[:max_chars]}"


def entry_situation(entry: EntryRecord, lexicon: SituationLexicon) -> Situation:
    """Whom ``entry`` is for, as a ``Situation`` (no age: thresholds like '65세 이상' become stages).
    Kept per text: a snapshot after an edit re-reads only the entries whose text changed."""
    m = _LIFECYCLE.search(entry.content)
    return _situation_of(lexicon, target_text(entry), m.group(1) if m else "")


@functools.lru_cache(maxsize=50_000)
def _situation_of(lexicon: SituationLexicon, target: str, lifecycle: str) -> Situation:
    found = lexicon.extract(target, thresholds=True)
    attrs = dict(found.attrs)
    if lifecycle:
        stages = {s.strip().replace(" · ", "·").replace(" ", "") for s in lifecycle.split(",")}
        stages &= set(ATTRIBUTES["stage"])
        if stages:
            attrs["stage"] = frozenset(stages)
    return Situation(attrs)


@dataclass(frozen=True)
class Fit:
    """How a caller's situation fits an entry's eligibility.

    ``stage``: 1 the life stages overlap, -1 both are known and they do not, 0 unknown.
    ``met``: requirements the caller said they meet; ``unstated``: the entry's requirements the caller
    has not spoken about; ``conflicts``: requirements the caller contradicts (said no, or another value
    of an exclusive attribute); ``extra``: what the caller said that the entry does not ask for.
    """

    stage: int
    met: int
    unstated: tuple[str, ...]
    conflicts: int
    extra: int


_EXCLUSIVE = {"care"}  # one value at a time: a child is in daycare or cared for at home
_NO = frozenset({"no", "none"})  # what a caller who said no to an attribute has
_REQUIRED = frozenset(REQUIREMENTS)


def fit(caller: Situation, entry: Situation) -> Fit:
    cs, es = caller.values("stage"), entry.values("stage")
    stage = 0 if not cs or not es else 1 if cs & es else -1
    met, conflicts, unstated = 0, 0, []
    for attr in REQUIREMENTS:  # in this order, so ``unstated`` reads the same every time
        need = entry.attrs.get(attr)
        if not need:
            continue
        have = caller.attrs.get(attr)
        if not have:
            unstated.append(attr)
        elif have <= _NO or (attr in _EXCLUSIVE and not have & need):
            conflicts += 1
        else:
            met += 1
    extra = sum(1 for attr, have in caller.attrs.items()
                if attr in _REQUIRED and have and not have <= _NO and not entry.attrs.get(attr))
    return Fit(stage, met, tuple(unstated), conflicts, extra)
