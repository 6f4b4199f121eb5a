"""Settings read from the environment."""

import pytest


@pytest.mark.unit
def test_the_database_url_is_read_from_either_documented_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import Settings

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "sqlite:////tmp/prefixed.db")
    assert Settings().database_url == "sqlite:////tmp/prefixed.db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/plain.db")
    assert Settings().database_url == "sqlite:////tmp/plain.db", "the conventional name wins"
