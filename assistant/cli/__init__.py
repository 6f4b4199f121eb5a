"""The ``assistant`` command line, one module per sub-command group.

Errors print as one readable line and exit with status 2 (``main``). Modules:
``service`` (the top-level ``setup``, ``search``, ``serve``, ``advise``), ``kb``, ``index``, ``evals``
(``assistant eval``), ``token``; ``common`` holds what they share (the runtime, the operator, index
catch-up after an edit).

Adding a group, e.g. ``assistant rank ...``: write ``assistant/cli/rank.py`` with
``app = typer.Typer(name="rank", help="...", no_args_is_help=True)`` and its ``@app.command(...)``
functions, then register it in ``main.py`` by adding ``rank`` to ``GROUPS`` (and to the import
above it). Document the new commands in the README's command line reference (``tests/test_readme.py``
checks it against ``--help``).

>>> from typer.testing import CliRunner
>>> "kb" in CliRunner().invoke(app, ["--help"]).output
True
"""

from assistant.cli.main import app, main

__all__ = ["app", "main"]
