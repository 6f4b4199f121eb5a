"""The same served knowledge base per module as the trends tests (SQLite and PostgreSQL), for the 현행화 tests."""

from tests.ops.trends.conftest import app, counselor, database_url, editor, rt, supervisor

__all__ = ["app", "counselor", "database_url", "editor", "rt", "supervisor"]
