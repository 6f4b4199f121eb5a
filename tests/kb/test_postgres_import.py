"""The whole shipped knowledge base goes into the real PostgreSQL (which enforces column lengths,
unlike SQLite), and a record that breaks a rule is a listed problem that writes nothing."""

import dataclasses

import pytest
from sqlmodel import Session

from assistant.errors import ImportValidationError
from assistant.kb import repo
from assistant.kb.db import make_engine, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]


def test_shipped_kb_imports_into_postgres_and_bad_records_write_nothing(own_postgres_db, shipped_records):
    engine = make_engine(own_postgres_db)
    migrate(engine)
    with Session(engine) as s:
        before = repo.kb_version(s)
    bad = dataclasses.replace(shipped_records[0], entry_id="test:too-long", department="부" * 301)
    with pytest.raises(ImportValidationError, match="department"):
        repo.import_records(engine, [*shipped_records[:5], bad], "", author="t")
    with Session(engine) as s:
        assert repo.kb_version(s) == before, "nothing written"
    reports = repo.import_records(engine, shipped_records, "", author="t")
    assert sum(len(r.added) + len(r.changed) + r.unchanged for r in reports) == len(shipped_records)
    longest = max(shipped_records, key=lambda r: len(r.contact))
    with Session(engine) as s:
        assert repo.get_entry(s, longest.entry_id).contact == longest.contact
    engine.dispose()
