"""``assistant token``: create, list and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.auth.roles import Role
from assistant.cli.common import runtime

ROLES = ", ".join(Role)
app = typer.Typer(name="token", help=f"API tokens (roles: {ROLES}).", no_args_is_help=True)


@app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=ROLES)],
    name: Annotated[str, typer.Option(help="Who or what uses it (shown in the audit log)")],
    agency: Annotated[str, typer.Option(help="The agency it belongs to (a code from `assistant agency list`); "
                                        "none: the whole center")] = "",
) -> None:
    """Print a new API token (only its hash is stored: keep it now)."""
    typer.echo(runtime().tokens.create(name=name, role=role, created_by="cli", agency=agency))


@app.command("list")
def token_list() -> None:
    """Every token: id, name, role, prefix, created, revoked."""
    for t in runtime().tokens.list():
        revoked = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        typer.echo(f"{t.id}\t{t.name}\t{t.role}\t{t.agency or '-'}\t{t.prefix}…\t{t.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The id shown by `assistant token list`")]) -> None:
    """Revoke a token (services notice within the token cache time)."""
    t = runtime().tokens.revoke(token_id, by="cli")
    typer.echo(f"token {t.id} ({t.name}) revoked")
