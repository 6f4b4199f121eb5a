"""Agency codes and what a caller of an agency may do (pure rules; services apply them).

A code is 2-20 lower-case ASCII letters, digits or '-', starting with a letter (``seoul120``, ``nts``).
An agency's entries have ids that start with ``<code>:``; a common entry's id may start with anything
but another agency's code.

Who sees and edits what: an admin, and any token of no agency, sees and edits everything; a token of an
agency edits only that agency's entries (never the common layer) and reads only its own agency's drafts,
calls, suggestions, feedback, reports and evaluation runs (plus the center-wide runs, agency "").

>>> check_code("nts"), is_code("Bad Code")
('nts', False)
>>> id_agency("nts:tax-1", {"nts", "mois"}), id_agency("mohw:WLF1", {"nts"})
('nts', '')
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.errors import Forbidden, InvalidQuery

CODE = re.compile(r"^[a-z][a-z0-9-]{1,19}$")


class UnknownAgency(InvalidQuery):
    """An agency code that names no (live) agency; the message lists the valid codes (422)."""

    def __init__(self, code: str, valid: Collection[str]) -> None:
        listed = ", ".join(sorted(valid)) or "(none yet: `assistant agency create`)"
        super().__init__(f"unknown agency {code!r}; valid: {listed}")
        self.code = code


class AgencyIdMismatch(InvalidQuery):
    """An entry id whose prefix claims another agency than the entry's (422)."""


def is_code(value: str) -> bool:
    return bool(CODE.match(value))


def check_code(value: str) -> str:
    """``value`` as a code, or ``InvalidQuery`` saying what a code looks like."""
    code = value.strip()
    if not is_code(code):
        raise InvalidQuery(f"agency code {value!r} must be 2-20 lower-case letters, digits or '-', "
                           "starting with a letter (e.g. 'nts', 'seoul120')")
    return code


def id_agency(entry_id: str, codes: Collection[str]) -> str:
    """The agency an entry id's prefix (before the first ':') names, or "" if it names none of ``codes``."""
    prefix, sep, _ = entry_id.partition(":")
    return prefix if sep and prefix in codes else ""


def sees_all(principal: Principal) -> bool:
    """Admins and tokens of no agency see and edit every agency's rows."""
    return principal.role is Role.admin or not principal.agency


def visible(row_agency: str, principal: Principal, *, common: bool = False) -> bool:
    """May ``principal`` read a row of ``row_agency``? ``common``: rows of no agency are everyone's."""
    return sees_all(principal) or row_agency == principal.agency or (common and not row_agency)


def readable(principal: Principal, *, common: bool = False) -> list[str] | None:
    """The agency values of the rows ``principal`` may read (``None``: every row), for a ``WHERE agency IN``.

    >>> readable(Principal("a", Role.admin, agency="nts")), readable(Principal("k", Role.qa, agency="nts"), common=True)
    (None, ['nts', ''])
    """
    if sees_all(principal):
        return None
    return [principal.agency, ""] if common else [principal.agency]


def new_entry_agency(entry_id: str, agency: str | None, principal: Principal, codes: Collection[str]) -> str:
    """The agency a new entry ``entry_id`` belongs to when ``principal`` creates it asking for ``agency``.

    An agency's caller always creates their agency's entries (``agency`` may be left out), with ids
    ``<code>:...``; others name the agency (or none: common). Raises ``UnknownAgency`` for a code that
    is no agency's, ``AgencyIdMismatch`` when the id's prefix claims another agency.

    >>> kim = Principal("kim", Role.editor, agency="nts")
    >>> new_entry_agency("nts:1", None, kim, {"nts"}), new_entry_agency("mohw:2", "", Principal("a", Role.admin), {"nts"})
    ('nts', '')
    >>> new_entry_agency("mois:1", None, kim, {"nts", "mois"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assistant.agencies.codes.AgencyIdMismatch: entry id 'mois:1' claims agency 'mois'...
    """
    own = principal.agency if not sees_all(principal) else ""
    if agency and agency not in codes:  # an unknown code is a 422 for everyone, before any 403
        raise UnknownAgency(agency, codes)
    if own and agency and agency != own:
        raise Forbidden(f"a token of agency {own!r} creates entries of {own!r} only, not of {agency!r}")
    wanted = own or (agency or "")
    if wanted and wanted not in codes:
        raise UnknownAgency(wanted, codes)
    claimed = id_agency(entry_id, codes)
    if claimed != wanted:
        if claimed:
            owner = f"of agency {wanted!r}" if wanted else "common"
            raise AgencyIdMismatch(f"entry id {entry_id!r} claims agency {claimed!r}, but the entry is {owner}")
        raise AgencyIdMismatch(f"an entry of agency {wanted!r} needs an id starting with '{wanted}:' "
                               f"(got {entry_id!r})")
    return wanted


def may_edit(entry_agency: str, principal: Principal) -> bool | None:
    """May ``principal`` change an existing entry of ``entry_agency``? True; False (refuse, 403: a common
    entry, which everyone may read); None (hide, 404: another agency's, whose existence is not told)."""
    if sees_all(principal) or entry_agency == principal.agency:
        return True
    return False if not entry_agency else None
