"""Request dependencies as ``Annotated`` aliases; tests swap them with ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.auth.service import Principal
from assistant.errors import Unauthorized
from assistant.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_principal(request: Request) -> Principal:
    """The caller, as ``security.authorize`` (an app-wide dependency) established it."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
    return principal  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
