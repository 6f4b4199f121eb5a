"""The transfer summary behind ``CallService.transfer``: extractive, or a model's grounded text with the
extractive one as its fallback; and the agency a call may be transferred to.

The model path is taken when a model generator is configured (the advisor's: ``ASSISTANT_LLM_BASE_URL``
and ``ASSISTANT_LLM_MODEL``). Any failure of it (the server down, a timeout, no sentence the call's
history supports) is logged, kept in the summary's ``errors`` and the extractive text stays: ``mode``
says which one the receiving counselor reads.

>>> transfers = TransferService(engine, generators=[], entries=lambda: {})       # doctest: +SKIP
>>> transfers.summarize(events).mode                                             # doctest: +SKIP
'extractive'
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.engine import Engine

from assistant.advisor.generators import GenerationRequest, Generator
from assistant.advisor.prompts import Prompt
from assistant.agencies.models import Agency
from assistant.agencies.service import AgencyService
from assistant.calls.models import CallEvent
from assistant.rank.situation import SituationLexicon
from assistant.transfer.grounded import ground, history_sources, load_prompt, render
from assistant.transfer.summary import TransferSummary, summarize
from assistant.types import EntryRecord

log = logging.getLogger(__name__)


class TransferService:
    """Summaries for transfers. ``generators``: the models to try (the extractive card is not one: the
    summary's own extractive text is the fallback); ``entries``: the live snapshot's entries, read when
    a summary is made (a cited entry's text is a source the model may cite)."""

    def __init__(self, engine: Engine, *, generators: Sequence[Generator] = (),
                 entries: Callable[[], Mapping[str, EntryRecord]] | None = None,
                 prompt: Prompt | None = None, lexicon: SituationLexicon | None = None) -> None:
        self.engine = engine
        self.agencies = AgencyService(engine)
        self.generators = [g for g in generators if g.name != "extractive"]
        self.entries = entries or (lambda: {})
        self._prompt = prompt
        self.lexicon = lexicon

    @property
    def prompt(self) -> Prompt:
        if self._prompt is None:
            self._prompt = load_prompt()
        return self._prompt

    def summarize(self, events: Sequence[CallEvent]) -> TransferSummary:
        """The call's transfer summary: a model's grounded text when one is configured and it works."""
        summary = summarize(events, self.lexicon)
        for gen in self.generators:
            try:
                entries = self.entries()
                sources = history_sources(summary, events, entries)
                request = GenerationRequest(summary.question, "", [], render(self.prompt, sources))
                text, report = ground("".join(gen.generate(request)), sources)
            except Exception as exc:  # noqa: BLE001 - a summary is always handed over: the extractive one
                log.warning("transfer summary by %s failed, the extractive one is used: %s", gen.name, exc)
                summary.errors.append(f"{gen.name}: {type(exc).__name__}: {exc}")
                continue
            if not text:
                listed = report.get("reasons")
                reasons = "; ".join(str(r) for r in listed) if isinstance(listed, list) and listed else "no text"
                log.warning("transfer summary by %s had no grounded sentence (%s); extractive used", gen.name, reasons)
                summary.errors.append(f"{gen.name}: no sentence passed the grounding check ({reasons})")
                summary.grounding = report
                continue
            summary.text, summary.mode, summary.grounding = text, "llm", report
            break
        return summary

    def agency(self, code: str) -> Agency:
        """The live agency ``code``; ``UnknownAgency`` or ``AgencyDeleted`` (422, listing the live codes)."""
        return self.agencies.live(code)

    def name_of(self, code: str) -> str:
        """The agency's name ("" for no agency or a code the table does not have)."""
        return self.agencies.name_of(code)
