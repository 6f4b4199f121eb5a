"""The after-call record's ``이관`` line: each side of a transfer names the other (pure).

A transfer to a counselor keeps one call, so its record names both counselors. A transfer to an agency
opens a linked call on the receiving side (the agency's own call, which its counselors may read): the
sending call's record names the agency and the receiving call, the receiving call's names where it
came from.

>>> from assistant.calls.models import CallEvent
>>> sent = CallEvent(call_id="a", kind="transfer", payload={"from": "kim", "to": "", "to_agency": "nts",
...                  "to_agency_name": "국세청", "side": "sent", "linked_call_id": "b"})
>>> link_of([sent])
'→ 국세청 (nts) · 통화 b'
>>> link_of([CallEvent(call_id="a", kind="transfer", payload={"from": "kim", "to": "lee"})])
'kim → lee'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.calls.models import CallEvent

SENT, RECEIVED = "sent", "received"


def _agency(name: Any, code: Any) -> str:
    return f"{name} ({code})" if name and name != code else str(code or "기관 없음")


def link_line(p: dict[str, Any]) -> str:
    side, linked = p.get("side", ""), p.get("linked_call_id", "")
    if side == SENT:
        who = f" · {p['to']}" if p.get("to") else ""
        return f"→ {_agency(p.get('to_agency_name'), p.get('to_agency'))}{who} · 통화 {linked}"
    if side == RECEIVED:
        return f"← {_agency(p.get('from_agency_name'), p.get('from_agency'))} · {p.get('from', '')} · 통화 {linked}"
    return f"{p.get('from', '')} → {p.get('to', '')}"


def link_of(events: Sequence[CallEvent]) -> str:
    """Every transfer of the call, as the record's ``이관`` line ("" = none)."""
    return "; ".join(link_line(e.payload or {}) for e in events if e.kind == "transfer")


def handed_to(payload: dict[str, Any]) -> str:
    """Whom a sending-side transfer handed the call to (the record's 결과), "" on the receiving side."""
    if payload.get("side") == RECEIVED:
        return ""
    return str(payload.get("to") or payload.get("to_agency") or "")
