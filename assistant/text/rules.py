"""Editor-maintained rule files (the situation thesaurus, the cross-language glossary): one rule a
line, ``left<TAB>right``; blank lines and lines starting with '#' are skipped. Every bad line is
reported, with its number, before any rule is used.

>>> rules, digest = parse_rule_lines("# c\\n때리 남편|폭력\\t가정폭력\\n", "t", lambda s: tuple(
...     tuple(a.split()) for a in s.split("|") if a.split()))
>>> rules
[((('때리', '남편'), ('폭력',)), ('가정폭력',), 2)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from assistant.errors import AssistantError

Alternatives = tuple[tuple[str, ...], ...]


def parse_rule_lines(text: str, where: str, split_left: Callable[[str], Alternatives], *,
                     left: str = "triggers", right: str = "terms") -> tuple[list[tuple[Alternatives, tuple[str, ...], int]], str]:
    """(rules as (alternatives, terms, line number), a short digest of the text); ``split_left`` turns
    the left column into alternatives of words."""
    rules, problems = [], []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\t" not in line:
            problems.append(f"{where} line {i}: expected '{left}<TAB>{right}'")
            continue
        lhs, rhs = line.split("\t", 1)
        alts = split_left(lhs)
        if not alts or not rhs.split():
            problems.append(f"{where} line {i}: empty {left} or {right}")
            continue
        rules.append((alts, tuple(rhs.split()), i))
    if problems:
        raise AssistantError("; ".join(problems))
    return rules, hashlib.sha256(text.encode()).hexdigest()[:12]
