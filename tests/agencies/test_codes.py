"""The agency rules, pure: code format, what an entry id's prefix claims, who sees and edits what."""

from __future__ import annotations

import pytest

from assistant.agencies.codes import (
    AgencyIdMismatch,
    UnknownAgency,
    check_code,
    id_agency,
    may_edit,
    new_entry_agency,
    readable,
    visible,
)
from assistant.auth.roles import Role
from assistant.auth.service import Principal
from assistant.errors import Forbidden, InvalidQuery

pytestmark = pytest.mark.unit
CODES = {"aa", "bb"}
ADMIN_A = Principal("root", Role.admin, agency="aa")
CENTER = Principal("center", Role.editor)
EDITOR_A = Principal("kim", Role.editor, agency="aa")


@pytest.mark.parametrize("code", ["nts", "seoul120", "mo-hw"])
def test_good_codes(code):
    assert check_code(code) == code


@pytest.mark.parametrize("code", ["", "a", "NTS", "1nts", "nts:", "국세청", "x" * 21, "a b"])
def test_bad_codes_say_what_a_code_looks_like(code):
    with pytest.raises(InvalidQuery, match="lower-case"):
        check_code(code)


def test_an_unknown_code_lists_the_valid_ones():
    assert str(UnknownAgency("zz", {"bb", "aa"})) == "unknown agency 'zz'; valid: aa, bb"


def test_an_id_prefix_names_an_agency_only_if_the_code_is_one():
    assert [id_agency(i, CODES) for i in ("aa:1", "bb:x:y", "mohw:1", "aa", "cc:1")] == ["aa", "bb", "", "", ""]


def test_an_agency_caller_creates_only_their_agency_entries():
    assert new_entry_agency("aa:new", None, EDITOR_A, CODES) == "aa"
    assert new_entry_agency("aa:new", "", EDITOR_A, CODES) == "aa"  # the agency is forced, not asked for
    with pytest.raises(AgencyIdMismatch, match="claims agency 'bb'"):
        new_entry_agency("bb:new", None, EDITOR_A, CODES)
    with pytest.raises(AgencyIdMismatch, match="starting with 'aa:'"):
        new_entry_agency("new", None, EDITOR_A, CODES)
    with pytest.raises(Forbidden):
        new_entry_agency("bb:new", "bb", EDITOR_A, CODES)
    with pytest.raises(UnknownAgency, match="valid: aa, bb"):
        new_entry_agency("zz:new", "zz", EDITOR_A, CODES)


def test_the_center_and_admins_name_the_agency_and_the_prefix_must_agree():
    for who in (CENTER, ADMIN_A):
        assert new_entry_agency("bb:1", "bb", who, CODES) == "bb"
        assert new_entry_agency("mohw:1", None, who, CODES) == ""
        with pytest.raises(AgencyIdMismatch):
            new_entry_agency("bb:1", None, who, CODES)  # a common entry claiming agency bb
        with pytest.raises(UnknownAgency, match="valid: aa, bb"):
            new_entry_agency("zz:1", "zz", who, CODES)


def test_edit_and_read_rules():
    assert may_edit("aa", EDITOR_A) is True and may_edit("", EDITOR_A) is False and may_edit("bb", EDITOR_A) is None
    assert all(may_edit(a, p) for a in ("", "aa", "bb") for p in (CENTER, ADMIN_A))
    assert visible("aa", EDITOR_A) and not visible("bb", EDITOR_A) and not visible("", EDITOR_A)
    assert visible("", EDITOR_A, common=True) and not visible("bb", EDITOR_A, common=True)
    assert readable(CENTER) is None and readable(ADMIN_A) is None and readable(EDITOR_A) == ["aa"]
