"""Who may see and change a live call (pure rules; ``CallService`` applies them inside its transactions).

A call belongs to one counselor at a time: the token holder who opened it, then whoever it was
transferred to. Its counselor reads it, adds to it and hands it over. Roles with ``read_calls``
(supervisors, admins) read every call but change none (403). Anyone else is told the call does not
exist (404), so call ids cannot be probed. A call of an agency is hidden (404) from the tokens of other
agencies whatever their role, ``read_calls`` included (admins and tokens of no agency see every agency's).

>>> from assistant.auth.roles import Role
>>> kim = Principal("kim", Role.counselor)
>>> decide("kim", kim, CallAccess.write), decide("lee", kim, CallAccess.read)
(<Decision.allow: 'allow'>, <Decision.hide: 'hide'>)
>>> decide("lee", Principal("boss", Role.supervisor), CallAccess.read)
<Decision.allow: 'allow'>
>>> decide("lee", Principal("boss", Role.supervisor), CallAccess.write)
<Decision.refuse: 'refuse'>
>>> decide("lee", Principal("boss", Role.supervisor, agency="nts"), CallAccess.read, agency="mois")
<Decision.hide: 'hide'>
"""

from __future__ import annotations

from enum import StrEnum

from assistant.agencies.codes import visible
from assistant.auth.roles import Permission, allowed
from assistant.auth.service import Principal


class CallAccess(StrEnum):
    read = "read"    # the history and the after-call record
    write = "write"  # utterances and transfers


class Decision(StrEnum):
    allow = "allow"
    refuse = "refuse"  # 403: the caller may know the call exists, but not change it
    hide = "hide"      # 404: the caller may not even know it exists


def decide(counselor: str, principal: Principal, access: CallAccess, *, agency: str = "") -> Decision:
    """What ``principal`` may do to a call that is ``counselor``'s now, of ``agency`` ("" = none)."""
    if not visible(agency, principal):
        return Decision.hide
    if principal.name == counselor:
        return Decision.allow
    if allowed(principal.role, Permission.read_calls):
        return Decision.allow if access is CallAccess.read else Decision.refuse
    return Decision.hide
