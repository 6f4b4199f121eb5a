"""The root ``assistant`` command: every sub-command module registered on one Typer app, and ``main``."""

from __future__ import annotations

import sys

import typer

from assistant.cli import agency, domain, evals, index, kb, rank, service, token
from assistant.cli.common import echo_err
from assistant.errors import AssistantError

# Each module's ``app``, in the order ``--help`` lists them (commands of a nameless app join the root's).
GROUPS = (service, kb, index, evals, rank, domain, token, agency)

app = typer.Typer(help="Counselor-assist: knowledge base, indexes, search and evaluation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
for group in GROUPS:
    app.add_typer(group.app)


def main() -> None:
    try:
        app()
    except AssistantError as exc:
        echo_err(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
