"""The entry schema family: an update is held to the same limits as a new entry."""

from __future__ import annotations

import annotated_types
import pytest
from pydantic import ValidationError

from assistant.kb.models import EntryBase, EntryCreate, EntryUpdate

pytestmark = pytest.mark.unit


def limits(model: type, name: str) -> dict[str, int]:
    out = {}
    for m in model.model_fields[name].metadata:
        if isinstance(m, annotated_types.MinLen):
            out["min"] = m.min_length
        if isinstance(m, annotated_types.MaxLen):
            out["max"] = m.max_length
    return out


SHARED = sorted(set(EntryUpdate.model_fields) & set(EntryBase.model_fields))
LIMITED = [name for name in SHARED if "max" in limits(EntryBase, name)]


def test_every_field_an_update_may_change_has_the_limits_of_a_new_entry():
    assert set(EntryUpdate.model_fields) <= set(EntryBase.model_fields)
    for name in SHARED:
        assert limits(EntryUpdate, name) == limits(EntryBase, name), name


@pytest.mark.parametrize("name", LIMITED)
def test_one_character_over_the_limit_is_refused_in_an_update_as_in_a_create(name):
    longest = limits(EntryBase, name)["max"]
    EntryUpdate(**{name: "가" * longest})
    with pytest.raises(ValidationError, match=name):
        EntryUpdate(**{name: "가" * (longest + 1)})
    with pytest.raises(ValidationError, match=name):
        EntryCreate(**{"entry_id": "t:1", "title": "t", "content": "c", "scope": "national",
                       name: "가" * (longest + 1)})
