"""Run reports: a self-contained HTML page (inline SVG plots: scores by type, latency distribution,
trend over recent runs) and a Markdown summary. Pure string building; no template engine, no scripts.

>>> svg = bar_chart({"direct": {"mrr@10": 0.9}}, ["mrr@10"])
>>> svg.startswith("<svg") and "direct" in svg
True
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.evals.runner import RUN_FILE

COLORS = ("#3b6ea5", "#e08a2c", "#4f9d69", "#b84a62", "#7d5ba6")
HEADLINE = (("retrieval", "hit@1"), ("retrieval", "hit@5"), ("retrieval", "mrr@10"),
            ("answer", "key_fact_coverage"), ("answer", "citation_precision"), ("answer", "citation_recall"),
            ("answer", "grounded_sentence_rate"), ("answer", "numeric_exactness"), ("answer", "abstention_precision"),
            ("answer", "abstention_recall"), ("answer", "false_abstention_rate"))


def _e(x: object) -> str:
    return html.escape(str(x))


def fmt(v: object) -> str:
    """A score with 3 decimals; '–' for a metric that applies to no question of the group."""
    return f"{v:.3f}" if isinstance(v, int | float) and not isinstance(v, bool) else "–"


def bar_chart(groups: Mapping[str, Mapping[str, Any]], metrics: Sequence[str], *, width: int = 640,
              height: int = 220) -> str:
    """Grouped bars in [0, 1]: one group per key of ``groups``, one bar per metric."""
    names = list(groups)
    pad_l, pad_b, pad_t = 36, 40, 20
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    slot = plot_w / max(len(names), 1)
    bw = slot * 0.8 / max(len(metrics), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for t in (0, 0.5, 1.0):
        y = pad_t + plot_h * (1 - t)
        parts.append(f'<line x1="{pad_l}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{t:g}</text>')
    for i, name in enumerate(names):
        x0 = pad_l + i * slot + slot * 0.1
        for j, m in enumerate(metrics):
            v = groups[name].get(m)
            if not isinstance(v, int | float):
                continue
            h = plot_h * max(0.0, min(1.0, float(v)))
            parts.append(f'<rect x="{x0 + j * bw:.1f}" y="{pad_t + plot_h - h:.1f}" width="{bw - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLORS[j % len(COLORS)]}"><title>{_e(name)} {_e(m)} {v:.3f}</title></rect>')
        parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{height - pad_b + 14}" font-size="11" '
                     f'text-anchor="middle">{_e(name)}</text>')
    for j, m in enumerate(metrics):
        parts.append(f'<rect x="{pad_l + j * 150}" y="{height - 14}" width="10" height="10" fill="{COLORS[j % len(COLORS)]}"/>'
                     f'<text x="{pad_l + j * 150 + 14}" y="{height - 5}" font-size="11">{_e(m)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: Sequence[float], *, bins: int = 20, width: int = 640, height: int = 200) -> str:
    """Latency distribution (ms)."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    if values:
        lo, hi = min(values), max(values)
        step = (hi - lo) / bins or 1.0
        counts = [0] * bins
        for v in values:
            counts[min(int((v - lo) / step), bins - 1)] += 1
        top = max(counts)
        pad_l, pad_b = 36, 30
        bw = (width - pad_l - 10) / bins
        for i, c in enumerate(counts):
            h = (height - pad_b - 10) * c / top
            parts.append(f'<rect x="{pad_l + i * bw:.1f}" y="{height - pad_b - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[0]}"><title>{lo + i * step:.0f}–{lo + (i + 1) * step:.0f} ms: {c}</title></rect>')
        parts.append(f'<text x="{pad_l}" y="{height - 12}" font-size="11">{lo:.0f} ms</text>'
                     f'<text x="{width - 10}" y="{height - 12}" font-size="11" text-anchor="end">{hi:.0f} ms</text>'
                     f'<text x="{pad_l - 4}" y="18" font-size="10" text-anchor="end">{top}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(points: Sequence[tuple[str, Mapping[str, float]]], metrics: Sequence[str], *, width: int = 640,
                height: int = 220) -> str:
    """One line per metric over runs (oldest left)."""
    pad_l, pad_b, pad_t = 36, 40, 20
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    n = len(points)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for t in (0, 0.5, 1.0):
        y = pad_t + plot_h * (1 - t)
        parts.append(f'<line x1="{pad_l}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{t:g}</text>')

    def x(i: int) -> float:
        return pad_l + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    for j, m in enumerate(metrics):
        pts = [(x(i), pad_t + plot_h * (1 - max(0.0, min(1.0, vals[m])))) for i, (_, vals) in enumerate(points) if m in vals]
        if pts:
            color = COLORS[j % len(COLORS)]
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                         f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}"/>')
            parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in pts]
        parts.append(f'<rect x="{pad_l + j * 150}" y="{height - 14}" width="10" height="10" fill="{COLORS[j % len(COLORS)]}"/>'
                     f'<text x="{pad_l + j * 150 + 14}" y="{height - 5}" font-size="11">{_e(m)}</text>')
    for i, (label, _) in enumerate(points):
        anchor = "end" if i == n - 1 and n > 1 else "start" if i == 0 and n > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - pad_b + 14}" font-size="9" text-anchor="{anchor}">{_e(label[:16])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def recent_runs(run_dir: Path, limit: int = 10) -> list[tuple[str, dict[str, Any]]]:
    """Complete runs in the same parent folder as ``run_dir`` (itself included), oldest first."""
    found = []
    for d in sorted(p for p in run_dir.resolve().parent.iterdir() if (p / RUN_FILE).is_file()):
        try:
            meta = json.loads((d / RUN_FILE).read_text(encoding="utf-8"))
            found.append((str(meta.get("started_at", "")), d.name, meta))
        except (OSError, ValueError):
            continue  # a broken neighbour does not stop the report
    found.sort(key=lambda t: (t[0], t[1]))
    return [(name, meta) for _, name, meta in found[-limit:]]


def _headline(summary: Mapping[str, Any]) -> list[tuple[str, float]]:
    out = []
    for part, name in HEADLINE:
        v = summary[part]["overall"].get(name)
        if isinstance(v, int | float):
            out.append((f"{part}.{name}", float(v)))
    return out


def _intervals(meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """'0.926–0.981' per headline score: the run's own intervals, or computed from its rows (older runs)."""
    from assistant.evals.uncertainty import intervals

    ci = meta["summary"].get("intervals") or (intervals(rows) if rows else {})
    return {k: f"{v['low']:.3f}–{v['high']:.3f}" for k, v in ci.items()}


def _trend_points(runs: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, dict[str, float]]]:
    pts = []
    for name, meta in runs:
        s = meta.get("summary") or {}
        try:
            pts.append((name, {"mrr@10": float(s["retrieval"]["overall"]["mrr@10"]),
                               "key_fact_coverage": float(s["answer"]["overall"]["key_fact_coverage"]),
                               "citation_precision": float(s["answer"]["overall"]["citation_precision"])}))
        except (KeyError, TypeError, ValueError):
            continue
    return pts


def markdown_summary(meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], *, worst: int = 10) -> str:
    s = meta["summary"]
    a, r = s["answer"], s["retrieval"]
    code = meta.get("code") or {}
    ci = _intervals(meta, rows)
    lines = [
        f"# Eval run {meta.get('run_id', '')}",
        "",
        f"- dataset: `{meta['dataset']['path']}` ({meta['dataset']['n']} questions, sha256 {meta['dataset']['sha256'][:12]})",
        f"- KB version {meta.get('kb_version')}, embedder `{meta.get('embedder')}`, generators {meta.get('generators')}, "
        f"prompt {meta.get('prompt_version')}",
        f"- code {code.get('package')} {str(code.get('git_commit'))[:10]}{' (dirty)' if code.get('git_dirty') else ''}",
        "",
        "| metric | value | 95% interval over questions |",
        "|---|---|---|",
        *[f"| {k} | {v:.3f} | {ci.get(k, '')} |" for k, v in _headline(s)],
        f"| answer.unsupported_sentences | {a['overall']['unsupported_sentences']} | |",
        f"| answer latency p50 / p95 ms | {a['latency_ms']['p50']} / {a['latency_ms']['p95']} | |",
        f"| retrieval latency p50 / p95 ms | {r['latency_ms']['p50']} / {r['latency_ms']['p95']} | |",
        "",
        "## By type",
        "",
        "| type | n | MRR@10 | key facts | citation precision | false abstention | abstention recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for t, m in a["by_type"].items():
        rm = r["by_type"].get(t, {})
        lines.append(f"| {t} | {m['n']} | {fmt(rm.get('mrr@10'))} | {fmt(m['key_fact_coverage'])} | "
                     f"{fmt(m['citation_precision'])} | {fmt(m['false_abstention_rate'])} | {fmt(m['abstention_recall'])} |")
    misses = [x for x in rows if x.get("key_facts_found") and not all(x["key_facts_found"])]
    lines += ["", f"## Questions missing key facts ({len(misses)}; first {min(worst, len(misses))})", ""]
    for x in misses[:worst]:
        lines.append(f"- `{x['qid']}` rank {x.get('rank') or '-'}: {x['question'][:80]}")
    return "\n".join(lines) + "\n"


def html_report(meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                runs: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    s = meta["summary"]
    a, r = s["answer"], s["retrieval"]
    by_type = {t: {**m, "mrr@10": r["by_type"].get(t, {}).get("mrr@10")} for t, m in a["by_type"].items()}
    latencies = [float(x["latency_ms"]["total"]) for x in rows]
    ci = _intervals(meta, rows)
    table = "".join(f"<tr><td>{_e(k)}</td><td>{v:.3f}</td><td>{_e(ci.get(k, ''))}</td></tr>" for k, v in _headline(s))
    qrows = "".join(
        f"<tr><td>{_e(x['qid'])}</td><td>{_e(x['type'])}</td><td>{_e(x.get('rank') or '-')}</td>"
        f"<td>{sum(x['key_facts_found'])}/{len(x['key_facts_found'])}</td><td>{'yes' if x['abstained'] else ''}</td>"
        f"<td>{_e(x['question'])}</td><td>{_e(x['answer'])}</td></tr>" for x in rows)
    trend = _trend_points(runs)
    md = markdown_summary(meta, rows)
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>Eval run {_e(meta.get('run_id', ''))}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px;vertical-align:top}}
pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}</style></head><body>
<h1>Eval run {_e(meta.get('run_id', ''))}</h1>
<p>Dataset {_e(meta['dataset']['path'])} ({meta['dataset']['n']} questions) · KB version {_e(meta.get('kb_version'))} ·
embedder {_e(meta.get('embedder'))} · generators {_e(', '.join(meta.get('generators', [])))} · prompt {_e(meta.get('prompt_version'))}
· code {_e((meta.get('code') or {}).get('git_commit'))}</p>
<h2>Scores</h2><table><tr><th>metric</th><th>value</th><th>95% interval over questions</th></tr>{table}
<tr><td>answer.unsupported_sentences</td><td>{a['overall']['unsupported_sentences']}</td><td></td></tr></table>
<h2>By type</h2>{bar_chart(by_type, ["mrr@10", "key_fact_coverage", "citation_precision", "abstention_recall"])}
<h2>Latency per question (retrieval + answer)</h2>
<p>p50 {a['latency_ms']['p50']} ms · p95 {a['latency_ms']['p95']} ms</p>{histogram(latencies)}
<h2>Trend over recent runs ({len(trend)})</h2>{trend_chart(trend, ["mrr@10", "key_fact_coverage", "citation_precision"])}
<h2>Summary (Markdown)</h2><pre>{_e(md)}</pre>
<h2>Questions</h2><table><tr><th>qid</th><th>type</th><th>gold rank</th><th>key facts</th><th>abstained</th>
<th>question</th><th>answer</th></tr>{qrows}</table>
</body></html>
"""


def write_report(run_dir: Path, meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], *,
                 trend: int = 10) -> tuple[Path, Path]:
    runs = recent_runs(run_dir, trend)
    html_path, md_path = run_dir / "report.html", run_dir / "report.md"
    html_path.write_text(html_report(meta, rows, runs), encoding="utf-8")
    md_path.write_text(markdown_summary(meta, rows), encoding="utf-8")
    return html_path, md_path
