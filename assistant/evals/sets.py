"""The project's question sets side by side: what each is for, and one table of their scores.

A registry (``evals/sets.toml``) names each set, its file (relative to the registry) and its role:

- ``training``: the ranker and the rules may be trained and tuned on it;
- ``validation``: the publish gate's set; never trained on;
- ``held-out``: scored in aggregate only, never tuned on.

``assistant eval sets`` scores them on one index and prints one table (each score with its 95 % interval,
``evals.uncertainty``), the hit@1 per question type, and the gap between the training sets and the held-out
ones, pooled over their questions: the number that says whether a change generalises.

>>> sets = parse_sets({"set": [{"name": "dev", "path": "dev/q.jsonl", "role": "training"}]}, Path("evals/sets.toml"))
>>> sets[0].path.as_posix(), sets[0].role
('evals/dev/q.jsonl', 'training')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evals.compare import flat_scores
from assistant.evals.tomlfile import read_toml

ROLES = ("training", "validation", "held-out")
#: the per-set columns, as (label, summary path); intervals are added for those ``uncertainty`` has
COLUMNS = (("hit@1", "retrieval.hit@1"), ("hit@5", "retrieval.hit@5"), ("MRR@10", "retrieval.mrr@10"),
           ("key facts", "answer.key_fact_coverage"), ("citation P", "answer.citation_precision"),
           ("abst. recall", "answer.abstention_recall"), ("false abst.", "answer.false_abstention_rate"),
           ("unsupported", "answer.unsupported_sentences"))


class SetsError(AssistantError):
    """The sets registry is missing or malformed, or names a set that is not in it."""


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: Path
    role: str


def load_sets(path: Path) -> list[EvalSet]:
    return parse_sets(read_toml(path, SetsError, "the sets registry"), path)


def parse_sets(raw: Mapping[str, Any], path: Path) -> list[EvalSet]:
    """The ``[[set]]`` tables of a registry, each checked (name, path, one of ``ROLES``, no name twice)."""
    items = raw.get("set")
    if not isinstance(items, list) or not items:
        raise SetsError(f"{path}: no [[set]] tables (each needs name, path and role)")
    out: list[EvalSet] = []
    for i, item in enumerate(items, start=1):
        missing = [k for k in ("name", "path", "role") if not isinstance(item.get(k), str) or not item.get(k)]
        if missing:
            raise SetsError(f"{path}: set {i} has no {', '.join(missing)}")
        if item["role"] not in ROLES:
            raise SetsError(f"{path}: set {item['name']!r} has role {item['role']!r}; valid: {', '.join(ROLES)}")
        if any(s.name == item["name"] for s in out):
            raise SetsError(f"{path}: set {item['name']!r} is named twice")
        out.append(EvalSet(item["name"], path.parent / item["path"], item["role"]))
    return out


def pick(sets: Sequence[EvalSet], names: Sequence[str]) -> list[EvalSet]:
    """The sets named (all when none is), in the registry's order; an unknown name is an error."""
    known = [s.name for s in sets]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SetsError(f"unknown set {', '.join(map(repr, unknown))}; the registry has: {', '.join(known)}")
    return [s for s in sets if not names or s.name in names]


def side_by_side(results: Sequence[tuple[EvalSet, Mapping[str, Any]]],
                 against: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """One row per set (its scores and intervals), hit@1 per question type and set, and per role the
    hit@1 pooled over the role's questions with gold. ``against``: per set, ``uncertainty.compare`` of a
    baseline run with this one (counts and a verdict per score: no question of any set is named)."""
    rows: list[dict[str, Any]] = []
    types: dict[str, dict[str, dict[str, Any]]] = {}
    pooled: dict[str, tuple[float, int]] = {}
    for s, summary in results:
        scores = flat_scores(summary)
        ci = summary.get("intervals") or {}
        n = int(summary["retrieval"]["overall"].get("n", 0))
        rows.append({"set": s.name, "role": s.role, "n": n, "questions": int(summary["answer"]["overall"]["n"]),
                     **{label: scores.get(path) for label, path in COLUMNS},
                     "intervals": {label: [ci[path]["low"], ci[path]["high"]] for label, path in COLUMNS if path in ci}})
        types[s.name] = {t: {"n": m["n"], "hit@1": m["hit@1"], "hit@5": m["hit@5"]}
                         for t, m in summary["retrieval"].get("by_type", {}).items() if m.get("n")}
        hit1 = scores.get("retrieval.hit@1")
        if hit1 is not None and n:
            right, total = pooled.get(s.role, (0.0, 0))
            pooled[s.role] = (right + hit1 * n, total + n)
    return {"sets": rows, "by_type": types,
            "hit@1_by_role": {role: round(right / total, 4) for role, (right, total) in pooled.items()},
            **({"against_baseline": dict(against)} if against is not None else {})}


def _cell(v: float | None, label: str) -> str:
    if v is None:
        return "–"
    return str(int(v)) if label == "unsupported" else f"{v:.3f}"


#: the scores the baseline comparison shows, as (label, ``uncertainty.HEADLINE`` name)
CHANGES = (("hit@1", "retrieval.hit@1"), ("MRR@10", "retrieval.mrr@10"), ("key facts", "answer.key_fact_coverage"),
           ("citation P", "answer.citation_precision"))


def _change(sig: Mapping[str, Any] | None) -> str:
    if not sig:
        return "–"
    if sig["verdict"] == "same":
        return "same"
    return f"{sig['delta']:+.3f} ▲{sig['better']} ▼{sig['worse']} p {sig['p']:.2f} {sig['verdict']}"


def render(table: Mapping[str, Any]) -> str:
    """The table as Markdown (it pastes into a note or the README as it is)."""
    labels = [label for label, _ in COLUMNS]
    lines = ["| set | role | questions | with gold | " + " | ".join(labels) + " |",
             "|---|---|---|---|" + "---|" * len(labels)]
    for r in table["sets"]:
        cells = []
        for label in labels:
            ci = r["intervals"].get(label)
            cells.append(_cell(r[label], label) + (f" ({ci[0]:.2f}–{ci[1]:.2f})" if ci else ""))
        lines.append(f"| {r['set']} | {r['role']} | {r['questions']} | {r['n']} | " + " | ".join(cells) + " |")
    names = [r["set"] for r in table["sets"]]
    kinds = sorted({t for per in table["by_type"].values() for t in per})
    lines += ["", "hit@1 / hit@5 per question type:", "",
              "| type | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for t in kinds:
        cells = [f"{m['hit@1']:.2f} / {m['hit@5']:.2f} ({m['n']})" if (m := table["by_type"][n].get(t)) else "–"
                 for n in names]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    roles = table["hit@1_by_role"]
    if "training" in roles and "held-out" in roles:
        lines += ["", f"hit@1 pooled over questions: training sets {roles['training']:.3f}, held-out sets "
                      f"{roles['held-out']:.3f}: a gap of {roles['training'] - roles['held-out']:+.3f}"
                  + (f" (validation {roles['validation']:.3f})" if "validation" in roles else "")]
    against = table.get("against_baseline")
    if against is not None:
        lines += ["", "Against the baseline runs (questions better ▲ / worse ▼, two-sided paired p, verdict):", "",
                  "| set | role | " + " | ".join(label for label, _ in CHANGES) + " |", "|---|---|" + "---|" * len(CHANGES)]
        for r in table["sets"]:
            sig = against.get(r["set"])
            cells = [_change(sig.get(name)) if sig is not None else "no baseline run" for _, name in CHANGES]
            lines.append(f"| {r['set']} | {r['role']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
