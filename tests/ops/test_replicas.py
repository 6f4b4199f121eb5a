"""Two `assistant serve` processes on loopback, one PostgreSQL: an edit through either one is
found through the other's /v1/search within 5 seconds. ``python -m bench.replicas`` prints timings."""

from __future__ import annotations

import pytest

from bench.replicas import edit_and_find, replica_pair

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]


def test_an_edit_through_one_server_is_found_through_the_other(tmp_path, own_postgres_db, subset_records):
    ids = [r.entry_id for r in subset_records if r.entry_id.startswith("mohw:")]
    with replica_pair(tmp_path, own_postgres_db, subset_records, ASSISTANT_SYNC_POLL_SECONDS="30") as (a, b, token):
        # polling every 30 s: within 5 s only NOTIFY can have told the other replica
        for i, (writer, reader) in enumerate(((a, b), (b, a), (a, b))):
            seconds = edit_and_find(writer, reader, token, ids[i], i, deadline=5.0)
            assert seconds is not None, f"edit {i} through {writer.name} not found through {reader.name} in 5 s"
