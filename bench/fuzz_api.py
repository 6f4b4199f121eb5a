"""Schemathesis against the service's own OpenAPI schema, in-process, with an admin token.

Every operation gets generated requests, valid ones (positive) and invalid ones (negative); each
response must not be a 5xx and must match the schema (status code documented, body valid against
the documented model, content type documented). The app runs on a throwaway runtime (a small
subset of the shipped knowledge base in a temporary folder), so the mutating routes (POST, PATCH,
DELETE) change nothing that matters.

    python -m bench.fuzz_api --cases 5000        # prints the figures, exits 1 on any 5xx or violation

``fuzz(app, headers, cases=...)`` is what ``tests/security/test_fuzz.py`` runs with fewer cases.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from assistant.config import ROOT, Settings
from assistant.kb import importers
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from assistant.types import EntryRecord

SHIPPED = ROOT / "knowledge_base" / "entries.jsonl"


@dataclass
class Failure:
    operation: str
    status: int
    kind: str  # "5xx" or the name of the schemathesis check that failed
    detail: str
    request: str


@dataclass
class FuzzReport:
    cases: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)

    @property
    def violations(self) -> list[Failure]:
        return [f for f in self.failures if f.kind != "5xx"]

    def as_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "by_status": dict(sorted(self.by_status.items())),
                "server_errors": self.server_errors, "schema_violations": len(self.violations),
                "operations": len(self.by_operation), "seconds": round(self.seconds, 1),
                "cases_per_second": round(self.cases / self.seconds, 1) if self.seconds else None,
                "failures": [f.__dict__ for f in self.failures[:20]]}


def small_subset(records: list[EntryRecord], n: int = 120) -> list[EntryRecord]:
    """Some national entries and some of Seoul's: enough for every route to find something."""
    national = [r for r in records if r.entry_id.startswith("mohw:")][: n // 2]
    seoul = [r for r in records if r.sido == "서울특별시"][: n - len(national)]
    return national + seoul


@contextmanager
def throwaway_runtime(records: list[EntryRecord] | None = None, **overrides: Any) -> Iterator[Runtime]:
    """A runtime of its own in a temporary folder (SQLite, index), imported and indexed."""
    with tempfile.TemporaryDirectory(prefix="assistant-fuzz-") as tmp:
        root = Path(tmp)
        values: dict[str, Any] = {"database_url": f"sqlite:///{root / 'kb.db'}", "index_dir": root / "index",
                                  "embedding_cache_dir": root / "embeddings", "eval_on_change": False,
                                  "sync_enabled": False, "rate_limit_per_minute": 0, **overrides}
        rt = Runtime(Settings(**values))
        recs = records if records is not None else small_subset(importers.read_kb_jsonl(SHIPPED))
        import_records(rt.engine, recs, "", author="fuzz", dry_run=False, prune=False)
        rt.manager.rebuild()
        rt.start()
        try:
            yield rt
        finally:
            rt.stop_background()
            rt.engine.dispose()


def _runner(headers: dict[str, str], report: FuzzReport, checks: list[Any],
            name: str) -> Callable[[Any], None]:
    from schemathesis.core.failures import FailureGroup

    def run(case: Any) -> None:
        request = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"[:400]
        try:
            response = case.call(headers=headers)  # schemathesis's in-process ASGI client
        except Exception as exc:  # noqa: BLE001 - an exception out of the app is what a server turns into a 500
            report.cases += 1
            report.by_status[500] += 1
            report.by_operation[name] += 1
            report.failures.append(Failure(name, 500, "5xx", f"{type(exc).__name__}: {exc}"[:300], request))
            return
        report.cases += 1
        report.by_status[response.status_code] += 1
        report.by_operation[name] += 1
        if response.status_code >= 500:
            report.failures.append(Failure(name, response.status_code, "5xx", response.text[:300], request))
            return
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            for exc in group.exceptions:
                title = getattr(exc, "title", type(exc).__name__)
                report.failures.append(Failure(name, response.status_code, title, str(exc)[:500], request))

    return run


def fuzz(app: FastAPI, headers: dict[str, str], *, cases: int = 500, seed: int = 0,
         keep_token_id: int | None = None) -> FuzzReport:
    """About ``cases`` generated requests spread over every operation, half valid and half invalid.

    ``keep_token_id`` is the id of the token in ``headers``: ``DELETE /v1/tokens/{id}`` never revokes it,
    or every later case would stop at 401."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    report = FuzzReport()
    t0 = time.perf_counter()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    per_run = max(1, cases // (len(ops) * len(modes)))
    # operations with few possible inputs run out early: go round again with new seeds (bounded)
    for round_ in range(8):
        if report.cases >= cases:
            break
        for op in ops:
            for mode in modes:
                run = _runner(headers, report, checks, f"{op.method.upper()} {op.path}")
                strategy = op.as_strategy(generation_mode=mode)
                if "{token_id}" in op.path:
                    strategy = strategy.filter(lambda c: str((c.path_parameters or {}).get("token_id"))
                                               != str(keep_token_id))
                wrapped = settings(
                    max_examples=per_run, database=None, deadline=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate])(hseed(seed * 1000 + round_)(given(case=strategy)(run)))
                with contextlib.suppress(Unsatisfiable):  # no invalid request exists without parameters
                    wrapped()
    report.seconds = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=5000, help="at least this many generated requests")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    from assistant.api.app import create_app

    with throwaway_runtime() as rt:
        token = rt.tokens.create(name="fuzz-admin", role="admin", created_by="bench.fuzz_api")
        keep = rt.tokens.authenticate(token).token_id
        report = fuzz(create_app(rt.settings, runtime=rt), {"Authorization": f"Bearer {token}"},
                      cases=args.cases, seed=args.seed, keep_token_id=keep)
    figures = report.as_dict()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(f"cases {report.cases} over {len(report.by_operation)} operations in {report.seconds:.1f} s "
              f"({figures['cases_per_second']} a second)")
        print("by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(report.by_status.items())))
        print(f"5xx: {report.server_errors}; schema violations: {len(report.violations)}")
        for f in report.failures[:20]:
            print(f"  {f.kind} {f.status} {f.operation}: {f.detail[:200]!r}\n    {f.request[:200]}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
