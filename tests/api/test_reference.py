"""The README's HTTP API reference is checked against the real routes and the permission table."""

import re

import pytest

from assistant.api.security import ROUTE_PERMISSIONS
from assistant.config import ROOT

pytestmark = pytest.mark.unit


def documented() -> dict[tuple[str, str], str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## HTTP API", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(GET|POST|PATCH|DELETE) (/[^`]*)` \| (\w+) \|", section, flags=re.M)
    return {(m, p): perm for m, p, perm in rows}


def table() -> dict[tuple[str, str], str]:
    return {(m, p.replace(":path", "")): ("public" if perm is None else str(perm))
            for (m, p), perm in ROUTE_PERMISSIONS.items() if p not in ("/metrics", "/")}


def test_every_route_is_documented_with_its_permission():
    assert documented() == table()
