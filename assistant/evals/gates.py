"""Quality gates: minimum and maximum values for a run's scores, read from a TOML file.

```toml
[min]
"retrieval.overall.mrr@10" = 0.80
"answer.overall.key_fact_coverage" = 0.70
[max]
"answer.overall.unsupported_sentences" = 0
```

A path names a value in the summary ``assistant eval run --json`` prints. The file is checked when
it is loaded (before a run spends minutes), so a typo is an error, not a gate that always passes.

>>> gates = parse_gates({"min": {"answer.overall.key_fact_coverage": 0.5}}, "g.toml")
>>> [f.message for f in check_gates(gates, {"answer": {"overall": {"key_fact_coverage": 0.4}}})]
['gate failed: answer.overall.key_fact_coverage = 0.4, below the minimum 0.5']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evals.answers import ANSWER_METRICS
from assistant.evals.metrics import RETRIEVAL_METRICS
from assistant.evals.tomlfile import read_toml


class GateError(AssistantError):
    """The gates file is missing or malformed."""


RETRIEVAL_NAMES = {*RETRIEVAL_METRICS, "n", "p50", "p95"}
ANSWER_NAMES = {*ANSWER_METRICS, "unsupported_sentences", "n", "n_in_kb", "n_out_of_kb", "n_abstained",
                "n_declined_by_topic", "p50", "p95"}


@dataclass(frozen=True)
class Gate:
    path: str
    bound: str  # "min" or "max"
    value: float


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    actual: float | None

    @property
    def passed(self) -> bool:
        if self.actual is None:
            return False
        return self.actual >= self.gate.value if self.gate.bound == "min" else self.actual <= self.gate.value

    @property
    def message(self) -> str:
        g = self.gate
        if self.actual is None:
            return f"gate failed: {g.path} is not in this run's scores"
        word = "below the minimum" if g.bound == "min" else "above the maximum"
        return f"gate failed: {g.path} = {self.actual:g}, {word} {g.value:g}"


def _check_path(path: str, source: str) -> None:
    parts = path.split(".")
    names = {"retrieval": RETRIEVAL_NAMES, "answer": ANSWER_NAMES}.get(parts[0])
    if names is None or len(parts) < 2:
        raise GateError(f"{source}: gate {path!r} must start with 'retrieval.' or 'answer.'")
    if parts[-1] not in names:
        raise GateError(f"{source}: gate {path!r} names no {parts[0]} metric; known: {', '.join(sorted(names))}")


def parse_gates(data: Mapping[str, Any], source: str) -> list[Gate]:
    unknown = set(data) - {"min", "max"}
    if unknown:
        raise GateError(f"{source}: unknown table(s) {sorted(unknown)}; use [min] and [max]")
    gates = []
    for bound in ("min", "max"):
        table = data.get(bound, {})
        if not isinstance(table, dict):
            raise GateError(f"{source}: [{bound}] must be a table of \"metric.path\" = number")
        for path, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GateError(f"{source}: {bound} {path!r} must be a number, not {value!r}")
            _check_path(path, source)
            gates.append(Gate(path, bound, float(value)))
    if not gates:
        raise GateError(f"{source}: no gates; add a [min] or [max] table")
    return gates


def load_gates(path: Path) -> list[Gate]:
    return parse_gates(read_toml(path, GateError, "gates file"), str(path))


def lookup(summary: Mapping[str, Any], path: str) -> float | None:
    """The value at a dotted path; metric names may themselves contain dots, so the longest key wins."""
    node: Any = summary
    parts = path.split(".")
    i = 0
    while i < len(parts):
        if not isinstance(node, Mapping):
            return None
        for j in range(len(parts), i, -1):  # 'mrr@10' has no dot, but a group name might
            key = ".".join(parts[i:j])
            if key in node:
                node, i = node[key], j
                break
        else:
            return None
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def check_gates(gates: list[Gate], summary: Mapping[str, Any]) -> list[GateResult]:
    """Only the failed gates, in file order."""
    results = [GateResult(g, lookup(summary, g.path)) for g in gates]
    return [r for r in results if not r.passed]
