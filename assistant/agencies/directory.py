"""Agency names and contact lines for what counselors read (a transfer hint), from the ``agency`` table.

The table is small (tens of rows) and changes rarely, so it is read whole and kept for ``cache_seconds``;
a lookup never queries the database per hit.

>>> directory = AgencyDirectory(engine)                       # doctest: +SKIP
>>> directory.transfer_hint("nts")                            # doctest: +SKIP
'이관 권장: 국세청 (126)'
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.agencies.models import Agency


@dataclass(frozen=True, slots=True)
class AgencyCard:
    code: str
    name: str
    contact: str


def transfer_hint(card: AgencyCard) -> str:
    """The line a counselor reads before transferring to ``card``'s agency.

    >>> transfer_hint(AgencyCard("nts", "국세청", "126")), transfer_hint(AgencyCard("x", "어느 기관", ""))
    ('이관 권장: 국세청 (126)', '이관 권장: 어느 기관')
    """
    return f"이관 권장: {card.name} ({card.contact})" if card.contact else f"이관 권장: {card.name}"


class AgencyDirectory:
    """Every agency's name and contact, read at most once per ``cache_seconds`` (deleted agencies too: an
    entry or a call may still name one)."""

    def __init__(self, engine: Engine, *, cache_seconds: float = 30.0) -> None:
        self.engine, self.cache_seconds = engine, cache_seconds
        self._cards: dict[str, AgencyCard] = {}
        self._until = self._read_at = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._until = 0.0

    def cards(self, *, fresh: bool = False) -> dict[str, AgencyCard]:
        now = time.monotonic()
        with self._lock:
            if now < self._until and not fresh:
                return self._cards
        with Session(self.engine) as s:
            rows = s.exec(select(Agency)).all()
            cards = {a.code: AgencyCard(a.code, a.name, a.contact) for a in rows}
        with self._lock:
            self._cards, self._until, self._read_at = cards, now + self.cache_seconds, now
        return cards

    def card(self, code: str) -> AgencyCard:
        """The agency ``code``; a code not in the cached table (an agency created since) reads the table again,
        at most once a second; one still unknown (an entry imported before its agency was) reads as itself."""
        card = self.cards().get(code)
        if card is None and time.monotonic() - self._read_at >= 1.0:
            card = self.cards(fresh=True).get(code)
        return card or AgencyCard(code, code, "")

    def transfer_hint(self, code: str) -> str:
        return transfer_hint(self.card(code))
