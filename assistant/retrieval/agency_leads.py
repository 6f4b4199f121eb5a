"""Which of another agency's entries to show a counselor apart from their own list (pure): the other-agency
rule of the search per agency (README, Agencies at scale)."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def other_agency_leads(order: Sequence[str], fused: Sequence[float], agency_of: Callable[[str], str], own: str,
                       *, margin: float, limit: int,
                       evidence: Callable[[str], tuple[float, float]] | None = None,
                       cos_margin: float = 0.01, lex_ratio: float = 1.1) -> list[int]:
    """Positions in an unrestricted fused ``order`` of the other agencies' entries worth showing a caller of
    agency ``own``: those ranked ahead of every entry the caller may use (common or ``own``'s), with a fused
    score at least ``(1 + margin)`` times that first usable entry's (all of them when none is usable), the
    best one per agency, at most ``limit``.

    Ranks alone cannot tell a better answer from a look-alike: among near-copies of one entry (an
    agency's re-titled version of a common entry) the order is decided by noise. So with ``evidence``
    (entry -> (best cosine, best BM25)) a leader must also beat the first usable entry on what the
    retrievers measured: a cosine ``cos_margin`` higher, or a BM25 ``lex_ratio`` times as high.

    >>> agency = {"a": "nts", "b": "", "c": "nts"}.get
    >>> other_agency_leads(["a", "b"], [0.0328, 0.0317], agency, "mohw", margin=0.03, limit=2)
    [0]
    >>> other_agency_leads(["a", "b"], [0.0328, 0.0323], agency, "mohw", margin=0.03, limit=2)  # too close
    []
    >>> near_copy = {"a": (0.894, 4.9), "b": (0.893, 5.0)}.get
    >>> other_agency_leads(["a", "b"], [0.0328, 0.0317], agency, "mohw", margin=0.03, limit=2, evidence=near_copy)
    []
    """
    leads: list[int] = []
    usable: int | None = None
    for i, entry_id in enumerate(order):
        code = agency_of(entry_id)
        if not code or code == own:
            usable = i
            break
        leads.append(i)
    if usable is not None:
        leads = [i for i in leads if fused[i] >= fused[usable] * (1 + margin)]
        if evidence is not None:
            cos_u, lex_u = evidence(order[usable])
            leads = [i for i in leads if (ev := evidence(order[i]))[0] >= cos_u + cos_margin
                     or (ev[1] > 0 and ev[1] >= lex_u * lex_ratio)]
    seen: set[str] = set()
    out = []
    for i in leads:
        code = agency_of(order[i])
        if code not in seen:
            seen.add(code)
            out.append(i)
    return out[:limit]
