"""What every sub-command module shares: the runtime, the operator principal, index catch-up, messages."""

from __future__ import annotations

from enum import StrEnum

import typer

from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.config import Settings
from assistant.errors import IndexNotReady
from assistant.runtime import Runtime


class Mode(StrEnum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


def runtime() -> Runtime:
    return Runtime(Settings())


def echo_err(msg: str) -> None:
    typer.echo(msg, err=True)


def operator(author: str) -> Principal:
    """Whoever runs the command line has the database itself: an admin, named as they say."""
    return Principal(author, Role.admin)


def update_index(rt: Runtime) -> None:
    """After an edit: bring the saved index up to date incrementally, if there is one."""
    try:
        rt.manager.load()
        version = rt.manager.holder.snapshot.kb_version
        if rt.manager.save(wait=30.0) is None:
            echo_err(f"note: index at KB version {version} in memory only; another process is writing the "
                     "saved one (it catches up when loaded)")
        else:
            typer.echo(f"index updated to KB version {version}")
    except IndexNotReady as exc:
        echo_err(f"note: index not updated: {exc}")
