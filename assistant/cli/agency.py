"""``assistant agency``: create, list and delete agencies (tenants over the common knowledge base)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.agencies.models import AgencyCreate
from assistant.cli.common import runtime

app = typer.Typer(name="agency", help="Agencies (기관): tenants over the common knowledge base.", no_args_is_help=True)


@app.command("create")
def agency_create(
    code: Annotated[str, typer.Argument(help="2-20 lower-case letters, digits or '-', e.g. nts")],
    name: Annotated[str, typer.Option(help="The agency's name, as counselors read it (국세청)")],
    contact: Annotated[str, typer.Option(help="The line a transferred citizen is put through to (126)")] = "",
) -> None:
    """Create an agency (audited); its entries' ids start with '<code>:'."""
    a = runtime().agencies.create(AgencyCreate(code=code, name=name, contact=contact), actor="cli")
    typer.echo(f"agency {a.code} ({a.name}) created")


@app.command("list")
def agency_list(deleted: Annotated[bool, typer.Option("--deleted", help="Also the deleted ones")] = False) -> None:
    """Every agency: code, name, contact, created (and deleted)."""
    for a in runtime().agencies.list(deleted=deleted):
        ended = f"\tdeleted {a.deleted_at:%Y-%m-%d %H:%M}" if a.deleted_at else ""
        typer.echo(f"{a.code}\t{a.name}\t{a.contact}\t{a.created_at:%Y-%m-%d %H:%M}{ended}")


@app.command("delete")
def agency_delete(code: Annotated[str, typer.Argument(help="The agency's code")]) -> None:
    """End an agency (audited): its tokens stop working within the token cache time; its rows stay."""
    a = runtime().agencies.delete(code, actor="cli")
    typer.echo(f"agency {a.code} ({a.name}) deleted")
