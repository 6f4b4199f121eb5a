"""Answer metrics as pure functions over scored cases; each returns {"score", "per_query"} like
``metrics.py``. A case is what one question's answer is judged on (built from an ``Answer`` by the
runner, or read back from a run's ``results.jsonl``).

Which questions each metric averages over:
- key-fact coverage: in-KB questions with key facts (an abstention covers nothing);
- citation precision: in-KB questions whose answer cites something;
- citation recall: in-KB questions (an abstention recalls nothing);
- grounded-sentence rate: every sentence the generators wrote (micro average), abstentions excluded;
- numeric exactness: answers containing numbers, the share of their numbers found in a cited entry;
- abstention precision: abstained questions; abstention recall: out-of-KB questions (gold empty);
  false-abstention rate: in-KB questions.

>>> c = AnswerCase("q", ("a",), ("20만 원",), "지원금은 200,000원입니다[1].", False, ("a",), 1, 1,
...                numbers=("200000",))
>>> key_fact_coverage([c])["score"], citation_precision([c])["score"]
(1.0, 1.0)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evals.metrics import percentile
from assistant.evals.normalize import fact_covered, numbers

Result = dict[str, Any]


@dataclass(frozen=True)
class AnswerCase:
    """One question's answer, reduced to what the answer metrics need."""

    qid: str
    gold: tuple[str, ...]
    key_facts: tuple[str, ...]
    text: str
    abstained: bool
    cited: tuple[str, ...]  # entry ids the answer cites
    sentences: int  # sentences the generator wrote (before the grounding check)
    supported: int  # sentences that passed it
    numbers: tuple[str, ...] = ()  # numbers in the answer
    numbers_missing: tuple[str, ...] = ()  # of those, the ones no cited entry contains
    latency_ms: float = 0.0
    groups: Mapping[str, str] = field(default_factory=dict)  # type / lang / region
    declined_by: str = ""  # when abstained: 'evidence' or 'topic' (the abstention's topic check)

    @property
    def in_kb(self) -> bool:
        return bool(self.gold)

    def as_dict(self) -> dict[str, Any]:
        return {"qid": self.qid, "gold": list(self.gold), "key_facts": list(self.key_facts), "text": self.text,
                "abstained": self.abstained, "cited": list(self.cited), "sentences": self.sentences,
                "supported": self.supported, "numbers": list(self.numbers),
                "numbers_missing": list(self.numbers_missing), "latency_ms": self.latency_ms,
                "groups": dict(self.groups), "declined_by": self.declined_by}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AnswerCase:
        return cls(str(d["qid"]), tuple(d["gold"]), tuple(d["key_facts"]), str(d["text"]), bool(d["abstained"]),
                   tuple(d["cited"]), int(d["sentences"]), int(d["supported"]), tuple(d.get("numbers", ())),
                   tuple(d.get("numbers_missing", ())), float(d.get("latency_ms", 0.0)), dict(d.get("groups", {})),
                   str(d.get("declined_by", "")))


def case_of(row: Mapping[str, Any]) -> AnswerCase:
    """The answer metrics' view of a ``results.jsonl`` row."""
    return AnswerCase(
        qid=row["qid"], gold=tuple(row["gold"]), key_facts=tuple(row["key_facts"]), text=row["answer"],
        abstained=row["abstained"], cited=tuple(c["entry_id"] for c in row["citations"]),
        sentences=row["grounding"]["sentences"], supported=row["grounding"]["supported"],
        numbers=tuple(row["numbers"]), numbers_missing=tuple(row["numbers_missing"]),
        latency_ms=row["latency_ms"]["total"],
        groups={"type": row["type"], "lang": row["lang"],
                "region": row["region"].split()[0] if row["region"] else "(none)"},
        declined_by=row.get("declined_by", ""),
    )


def check_numbers(answer: str, cited_texts: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The answer's numbers and those of them that no cited text contains (number formats normalised;
    citation markers such as [1] are not numbers)."""
    import re

    found = tuple(numbers(re.sub(r"\[\d{1,2}\]", "", answer)))
    available = {n for t in cited_texts for n in numbers(t)}
    return found, tuple(n for n in found if n not in available)


def _mean(values: Mapping[str, float]) -> float:
    return sum(values.values()) / len(values) if values else 0.0


def key_fact_coverage(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: (0.0 if c.abstained else sum(fact_covered(f, c.text) for f in c.key_facts) / len(c.key_facts))
           for c in cases if c.in_kb and c.key_facts}
    return {"score": _mean(per), "per_query": per}


def citation_precision(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: sum(e in c.gold for e in set(c.cited)) / len(set(c.cited))
           for c in cases if c.in_kb and c.cited and not c.abstained}
    return {"score": _mean(per), "per_query": per}


def citation_recall(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: (0.0 if c.abstained else len(set(c.gold) & set(c.cited)) / len(set(c.gold)))
           for c in cases if c.in_kb}
    return {"score": _mean(per), "per_query": per}


def grounded_sentence_rate(cases: Sequence[AnswerCase]) -> Result:
    """Micro average: supported sentences over all sentences written; also counts the unsupported ones."""
    scored = [c for c in cases if not c.abstained and c.sentences]
    per = {c.qid: c.supported / c.sentences for c in scored}
    total = sum(c.sentences for c in scored)
    supported = sum(c.supported for c in scored)
    return {"score": supported / total if total else 1.0, "per_query": per, "unsupported": total - supported}


def numeric_exactness(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: 1.0 - len(c.numbers_missing) / len(c.numbers)
           for c in cases if c.numbers and not c.abstained}
    return {"score": _mean(per) if per else 1.0, "per_query": per}


def abstention_precision(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: float(not c.in_kb) for c in cases if c.abstained}
    return {"score": _mean(per) if per else 1.0, "per_query": per}


def abstention_recall(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: float(c.abstained) for c in cases if not c.in_kb}
    return {"score": _mean(per) if per else 1.0, "per_query": per}


def false_abstention_rate(cases: Sequence[AnswerCase]) -> Result:
    per = {c.qid: float(c.abstained) for c in cases if c.in_kb}
    return {"score": _mean(per), "per_query": per}


def latency(cases: Sequence[AnswerCase]) -> Result:
    """Per-question milliseconds; the score is the p95, and p50 / p95 are given by name."""
    values = [c.latency_ms for c in cases]
    p50, p95 = round(percentile(values, 50), 2), round(percentile(values, 95), 2)
    return {"score": p95, "p50": p50, "p95": p95, "per_query": {c.qid: c.latency_ms for c in cases}}


ANSWER_METRICS: dict[str, Callable[[Sequence[AnswerCase]], Result]] = {
    "key_fact_coverage": key_fact_coverage,
    "citation_precision": citation_precision,
    "citation_recall": citation_recall,
    "grounded_sentence_rate": grounded_sentence_rate,
    "numeric_exactness": numeric_exactness,
    "abstention_precision": abstention_precision,
    "abstention_recall": abstention_recall,
    "false_abstention_rate": false_abstention_rate,
}


def summarize_answers(cases: Sequence[AnswerCase]) -> dict[str, Any]:
    """Every answer metric's score (4 decimals; None when no question applies), the counts they rest on,
    and latency p50 / p95."""
    out: dict[str, Any] = {
        "n": len(cases), "n_in_kb": sum(c.in_kb for c in cases), "n_out_of_kb": sum(not c.in_kb for c in cases),
        "n_abstained": sum(c.abstained for c in cases),
        # of those, the ones the topic check declined (a weak answer to a question off the manuals' domain)
        "n_declined_by_topic": sum(c.abstained and c.declined_by == "topic" for c in cases),
    }
    for name, fn in ANSWER_METRICS.items():  # None: no question this metric applies to (e.g. recall of
        r = fn(cases)                          # abstention in a group without out-of-KB questions)
        out[name] = round(float(r["score"]), 4) if r["per_query"] else None
    out["unsupported_sentences"] = grounded_sentence_rate(cases)["unsupported"]
    lat = latency(cases)
    out["latency_ms"] = {"p50": lat["p50"], "p95": lat["p95"]}
    return out


def group_answer_summaries(cases: Sequence[AnswerCase], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[AnswerCase]] = defaultdict(list)
    for c in cases:
        groups[c.groups.get(key, "unknown")].append(c)
    return {name: summarize_answers(cs) for name, cs in sorted(groups.items())}


def answer_report(cases: Sequence[AnswerCase]) -> dict[str, Any]:
    """The ``answer`` part of ``assistant eval run --json``: overall, latency, by type / language / region."""
    overall = summarize_answers(cases)
    report = {**{k: v for k, v in overall.items() if k != "latency_ms"}, "latency_ms": overall["latency_ms"],
              "overall": overall}
    for key in ("type", "lang", "region"):
        report[f"by_{key}"] = group_answer_summaries(cases, key)
    return report
