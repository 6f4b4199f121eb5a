"""Grounding while the model writes: each sentence is checked as soon as it is complete, so the counselor
reads the first supported sentence while the model is still writing the second.

A sentence is complete when the sentence splitter sees another one begin after it, and that one does
not begin with a citation: '…지원합니다. [1] 신청은 …' cites [1] for the first sentence, as the check of the
whole text reads it. The last one is checked when the stream ends. Unsupported sentences are dropped,
with their reason, and the rest kept.

>>> checked = list(grounded_sentences(iter(["지원금은 [1]", "10만 원입니다[1]. 끝", "입니다[1]."]), ["지원금은 10만 원입니다"]))
>>> [(c.sentence, c.supported) for c in checked]   # doctest: +SKIP
[('지원금은 [1] 10만 원입니다[1].', True), ('끝입니다[1].', True)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from assistant.advisor.grounding import check_grounding, split_sentences
from assistant.types import GroundingReport

_ENDS = (".", "!", "?", "。", "\n", "다", "요", "]")


@dataclass(frozen=True)
class Checked:
    sentence: str
    supported: bool
    reason: str = ""


def grounded_sentences(pieces: Iterable[str], sources: Sequence[str]) -> Iterator[Checked]:
    """Each sentence of the streamed text, checked against ``sources`` as soon as it is complete."""
    buffer, ended = "", False
    for piece in pieces:
        buffer += piece
        ended = ended or any(e in piece for e in _ENDS)
        # a sentence is known complete once the next one begins: after an ending seen in this piece or
        # an earlier one, at the first piece with text after it
        if not ended or not piece.strip():
            continue
        parts = split_sentences(buffer)
        if len(parts) > 1 and parts[-1].startswith("["):
            parts.pop()  # '…다. [1' : the citation may still belong to the sentence before it
        if len(parts) < 2:
            continue
        for sentence in parts[:-1]:
            yield _check(sentence, sources)
        # keep what follows the last complete sentence (the splitter folds spaces; find it from the end)
        last = parts[-1]
        at = buffer.rfind(last[:8]) if last else -1
        buffer = buffer[at:] if at >= 0 else last
        ended = any(e in buffer for e in _ENDS)
    for sentence in split_sentences(buffer):
        yield _check(sentence, sources)


def _check(sentence: str, sources: Sequence[str]) -> Checked:
    report, kept = check_grounding(sentence, sources)
    if kept:
        return Checked(kept, True)
    return Checked(sentence, False, report.reasons[0] if report.reasons else "not supported")


def report_of(checked: Sequence[Checked]) -> tuple[GroundingReport, str]:
    """The answer's grounding report and text, from its checked sentences."""
    kept = [c.sentence for c in checked if c.supported]
    dropped = [c for c in checked if not c.supported]
    return (GroundingReport(len(checked), len(kept), tuple(c.sentence for c in dropped),
                            tuple(c.reason for c in dropped)), " ".join(kept))
