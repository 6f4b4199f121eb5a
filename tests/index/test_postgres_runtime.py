"""The whole pipeline on the real PostgreSQL server: import, build, search, edit, refresh."""

import pytest

from assistant.kb import repo
from assistant.kb.db import session_scope
from assistant.kb.models import EntryUpdate
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from tests.conftest import make_settings

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def test_pipeline_on_postgres(tmp_path, postgres_url, subset_records):
    settings = make_settings(tmp_path).model_copy(update={"database_url": postgres_url})
    rt = Runtime(settings)
    reports = import_records(rt.engine, subset_records, "", author="t", dry_run=False, prune=False)
    assert sum(len(r.added) for r in reports) == len(subset_records)
    again = import_records(rt.engine, subset_records, "", author="t", dry_run=False, prune=False)
    assert sum(len(r.touched) for r in again) == 0
    rt.manager.rebuild()
    rt.start()
    hits = rt.retriever.search("출산장려금", region="부산광역시 중구").hits
    assert hits and all(h.sido in ("", "부산광역시") for h in hits)
    target = hits[0]
    with session_scope(rt.engine) as s:
        repo.update_entry(s, target.entry_id, EntryUpdate(content="심야 약국 안내 서비스"),
                          expected_version=target.version, author="t")
    assert rt.manager.refresh() == [target.entry_id]
    top = rt.retriever.search("심야 약국 안내", region="부산광역시 중구").hits[0]
    assert (top.entry_id, top.version) == (target.entry_id, target.version + 1)
