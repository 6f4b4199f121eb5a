"""Replicas starting together on one fresh PostgreSQL database: migrations and the first import
take turns, the knowledge base is imported once, both end up serving."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from assistant.kb.db import make_engine
from assistant.kb.models import EntryVersion
from tests.ops.helpers import assistant, cli_env, small_kb

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]


def test_two_replicas_run_setup_at_once_without_racing(tmp_path, own_postgres_db, subset_records):
    kb = small_kb(tmp_path / "kb", subset_records)
    procs = [assistant("setup", env=cli_env(own_postgres_db, tmp_path / name, kb)) for name in ("a", "b")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    assert sum("add " in out for out, _ in outs) == 1  # one imported, the other found it done
    engine = make_engine(own_postgres_db)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(EntryVersion)).one() == len(subset_records)
    engine.dispose()
    for name in ("a", "b"):
        assert (tmp_path / name / "index" / "CURRENT").exists()
