"""An edit committed while the embedder is down: a 503 that says the edit is saved, the edit kept, and the
index catching up once the embedder answers again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.errors import EmbedderError
from assistant.index.embedders import Embedder, Kind
from assistant.kb.repo import import_records
from assistant.runtime import Runtime
from tests.conftest import auth_headers, make_settings

pytestmark = pytest.mark.integration

NEW_WORDS = "강남구 반려식물 무료 진료소"


class SwitchableEmbedder:
    """The real embedder, or an embedding server that is down (``down = True``)."""

    def __init__(self, real: Embedder) -> None:
        self.real, self.name, self.dim, self.down = real, real.name, real.dim, False

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if self.down:
            raise EmbedderError("embedding server http://embedder:8000 failed: connection refused")
        return self.real.embed(texts, kind)


@pytest.fixture()
def rt(tmp_path, subset_records) -> Runtime:
    rt = Runtime(make_settings(tmp_path, sync_enabled=False))
    import_records(rt.engine, subset_records, "", author="test", dry_run=False, prune=False)
    rt.manager.rebuild()
    return rt


def test_an_edit_the_index_cannot_take_in_is_saved_and_a_503_says_so(rt):
    with TestClient(create_app(rt.settings, runtime=rt), headers=auth_headers(rt, "editor")) as client:
        passages = SwitchableEmbedder(rt.manager.embedder)
        rt.manager.embedder = passages  # queries keep the real one: search still works
        entry = client.get("/v1/entries", params={"region": "서울특별시 강남구", "limit": 1}).json()["data"][0]
        passages.down = True
        r = client.patch(f"/v1/entries/{entry['entry_id']}", json={
            "expected_version": entry["version"], "content": f"{NEW_WORDS} 안내입니다."})
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "SavedNotIndexed" and "saved" in error["message"]
        assert error["version"] == entry["version"] + 1
        assert "connection refused" in error["message"]

        # nothing lost: the new version is there, and repeating the edit is a conflict, not a second copy
        current = client.get(f"/v1/entries/{entry['entry_id']}").json()
        assert current["version"] == entry["version"] + 1 and NEW_WORDS in current["content"]
        again = client.patch(f"/v1/entries/{entry['entry_id']}", json={
            "expected_version": entry["version"], "content": f"{NEW_WORDS} 안내입니다."})
        assert again.status_code == 409

        passages.down = False
        rt.manager.refresh()  # what the replica watcher does on its next poll
        hits = client.post("/v1/search", json={"question": NEW_WORDS, "region": "서울특별시 강남구"}).json()["hits"]
        assert hits[0]["entry_id"] == entry["entry_id"] and hits[0]["version"] == current["version"]
