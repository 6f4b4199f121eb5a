"""The usage examples in the package's docstrings run, so they cannot drift from the code.

Examples that need a runtime (a database, a model server, a file elsewhere) are marked ``+SKIP``
where they stand.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import assistant

pytestmark = pytest.mark.unit


def _modules_with_examples() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(assistant.__path__, "assistant.")
             if not m.name.endswith("__main__")]  # running it is what importing it does
    finder = doctest.DocTestFinder()
    return [n for n in ["assistant", *names] if any(t.examples for t in finder.find(importlib.import_module(n)))]


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see above)"
