"""Start-up of the HTTP service: a part that fails to start leaves the process up, not ready, and saying why."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.runtime import Runtime
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


def test_a_prompt_that_cannot_be_read_leaves_the_service_up_and_not_ready(tmp_path, caplog):
    """The evaluation worker builds the advisor, which reads the prompt: a missing prompt file used to
    raise out of the lifespan and kill start-up (the Docker image's failure)."""
    missing = tmp_path / "no-such-prompt.md"
    settings = make_settings(tmp_path, eval_on_change=True, sync_enabled=False, prompt_file=missing)
    rt = Runtime(settings)
    with caplog.at_level(logging.ERROR, logger="assistant.api.app"), \
            TestClient(create_app(settings, runtime=rt)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert str(missing) in ready.json()["checks"]["background"]
    assert any(str(missing) in r.getMessage() or (r.exc_info and str(missing) in str(r.exc_info[1]))
               for r in caplog.records)

