"""Comparing two runs question by question: what got better, what got worse, and which entries and
versions changed between them (from each run's recorded hits and citations).

>>> a = {"qid": "q", "rank": 3, "key_facts_found": [False], "abstained": False, "gold": ["e"]}
>>> b = {**a, "rank": 1, "key_facts_found": [True]}
>>> question_changes(a, b)
['rank of gold 3 → 1', 'key facts 0/1 → 1/1']
>>> classify(a, b)
'improved'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.evals import uncertainty


def _coverage(row: Mapping[str, Any]) -> float | None:
    found = row.get("key_facts_found") or []
    return sum(found) / len(found) if found else None


def _abstain_ok(row: Mapping[str, Any]) -> bool:
    """Abstaining is right exactly when the question has no gold entry."""
    return bool(row["abstained"]) == (not row["gold"])


def _rank_key(rank: int | None) -> float:
    return float(rank) if rank else float("inf")


def question_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Readable differences of one question between run A and run B."""
    out = []
    if a.get("gold") and a.get("rank") != b.get("rank"):
        out.append(f"rank of gold {a.get('rank') or '-'} → {b.get('rank') or '-'}")
    ca, cb = _coverage(a), _coverage(b)
    if ca is not None and cb is not None and ca != cb:
        n = len(a["key_facts_found"])
        out.append(f"key facts {sum(a['key_facts_found'])}/{n} → {sum(b['key_facts_found'])}/{n}")
    if a["abstained"] != b["abstained"]:
        out.append(f"{'abstained' if b['abstained'] else 'answered'} (was {'abstained' if a['abstained'] else 'answered'}"
                   f"; {'right' if _abstain_ok(b) else 'wrong'} now)")
    return out


def classify(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """'improved', 'regressed', 'mixed' or 'same' on gold rank, key-fact coverage and abstention."""
    signs = []
    if a.get("gold"):
        ra, rb = _rank_key(a.get("rank")), _rank_key(b.get("rank"))
        if ra != rb:
            signs.append(1 if rb < ra else -1)
    ca, cb = _coverage(a), _coverage(b)
    if ca is not None and cb is not None and ca != cb:
        signs.append(1 if cb > ca else -1)
    if _abstain_ok(a) != _abstain_ok(b):
        signs.append(1 if _abstain_ok(b) else -1)
    if not signs:
        return "same"
    if all(s > 0 for s in signs):
        return "improved"
    if all(s < 0 for s in signs):
        return "regressed"
    return "mixed"


def entry_versions(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Every entry a run saw (in hits or citations) with the version it saw."""
    seen: dict[str, int] = {}
    for r in rows:
        for h in [*r.get("hits", []), *r.get("citations", [])]:
            seen[h["entry_id"]] = h["version"]
    return seen


def flat_scores(summary: Mapping[str, Any]) -> dict[str, float]:
    """A run summary's overall scores as 'retrieval.hit@1' / 'answer.key_fact_coverage' (counts and scores
    no question applied to left out)."""
    out = {f"retrieval.{k}": float(v) for k, v in summary["retrieval"]["overall"].items() if k != "n"}
    for k, v in summary["answer"]["overall"].items():
        if isinstance(v, int | float) and not k.startswith("n"):
            out[f"answer.{k}"] = float(v)
    return out


def compare_runs(meta_a: Mapping[str, Any], rows_a: Sequence[Mapping[str, Any]],
                 meta_b: Mapping[str, Any], rows_b: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Everything ``assistant eval compare`` shows, as one JSON-able dict."""
    by_a = {r["qid"]: r for r in rows_a}
    by_b = {r["qid"]: r for r in rows_b}
    shared = [q for q in by_a if q in by_b]
    questions: dict[str, list[dict[str, Any]]] = {"improved": [], "regressed": [], "mixed": []}
    for q in shared:
        kind = classify(by_a[q], by_b[q])
        if kind != "same":
            questions[kind].append({"qid": q, "question": by_b[q]["question"], "changes": question_changes(by_a[q], by_b[q]),
                                    "answer_before": by_a[q]["answer"], "answer_after": by_b[q]["answer"]})
    va, vb = entry_versions(rows_a), entry_versions(rows_b)
    changed = [{"entry_id": e, "version_a": va[e], "version_b": vb[e]} for e in sorted(va.keys() & vb.keys())
               if va[e] != vb[e]]
    fa, fb = flat_scores(meta_a["summary"]), flat_scores(meta_b["summary"])
    return {
        "kb_version": {"a": meta_a.get("kb_version"), "b": meta_b.get("kb_version")},
        "code": {"a": (meta_a.get("code") or {}).get("git_commit"), "b": (meta_b.get("code") or {}).get("git_commit")},
        "same_dataset": (meta_a.get("dataset") or {}).get("sha256") == (meta_b.get("dataset") or {}).get("sha256"),
        "n_shared": len(shared), "only_a": sorted(by_a.keys() - by_b.keys()), "only_b": sorted(by_b.keys() - by_a.keys()),
        "scores": {k: {"a": fa[k], "b": fb[k], "delta": round(fb[k] - fa[k], 4)} for k in fa if k in fb},
        "questions": questions,
        # per headline score: questions better / worse, and whether the change is beyond noise
        "significance": uncertainty.compare(rows_a, rows_b),
        "entries_changed": changed,
        "entries_only_in_a": sorted(va.keys() - vb.keys()),
        "entries_only_in_b": sorted(vb.keys() - va.keys()),
    }


def _noise(p: Mapping[str, Any] | None) -> str:
    """'  3 better, 1 worse, p = 0.63: within noise' for one score's paired comparison."""
    if not p or p["verdict"] == "same":
        return ""
    return f"  {p['better']} better, {p['worse']} worse, p = {p['p']:.2f}: {p['verdict']}"


def render_comparison(c: Mapping[str, Any], *, limit: int = 30) -> str:
    """Plain text for the terminal."""
    lines = [f"KB version {c['kb_version']['a']} → {c['kb_version']['b']}; code {str(c['code']['a'])[:10]} → "
             f"{str(c['code']['b'])[:10]}; {c['n_shared']} shared questions"
             + ("" if c["same_dataset"] else " (the query files differ)")]
    sig = c.get("significance") or {}
    for k, s in c["scores"].items():
        if s["delta"] and not k.startswith("answer.latency"):
            lines.append(f"  {k:<36} {s['a']:.4f} → {s['b']:.4f} ({s['delta']:+.4f})" + _noise(sig.get(k)))
    for kind in ("regressed", "mixed", "improved"):
        items = c["questions"][kind]
        lines.append(f"{kind}: {len(items)}")
        for it in items[:limit]:
            lines.append(f"  {it['qid']}: {'; '.join(it['changes'])}  — {it['question'][:60]}")
        if len(items) > limit:
            lines.append(f"  ... {len(items) - limit} more")
    lines.append(f"entries whose version changed: {len(c['entries_changed'])}")
    for e in c["entries_changed"][:limit]:
        lines.append(f"  {e['entry_id']}: v{e['version_a']} → v{e['version_b']}")
    return "\n".join(lines)
