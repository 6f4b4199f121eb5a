"""The alert service: counts every question, raises alerts on spikes, tells whoever listens.

``observe`` is what the request path calls: it only puts the question on a bounded queue (no
database, Redis or kiwi on the request's time) and never raises. A worker thread then tags it with
kiwi, matches the urgent-term dictionary, counts it per (topic, region) in the shared store, runs
the spike test on each pair it touched, and stores a spike as an alert (deduplicated while open).
A new alert goes to every ``on_alert`` callback (the widgets' push, the webhook). Without a running
worker (the CLI, a test) ``observe`` does the work inline, still without raising.

City-wide incidents (snow, a cold wave) come as a few calls from each of many districts, too few for
any district's own test. So an urgent question from a district is counted for its city too, and the city
pair has its own baseline and test. A city's spike must also be spread: at least ``min_count`` of its
window's questions come from districts other than the caller's, so one district's incident (already
that district's alert) never raises a second, city-wide one.

>>> alerts = AlertService(engine, tokenizer.tagged, RegionResolver(), MemoryCounts())   # doctest: +SKIP
>>> alerts.on_alert.append(lambda alert: print(alert.topic, alert.region))            # doctest: +SKIP
>>> alerts.observe("물이 안 나와요", "서울특별시 강남구", categories=["주거"])           # doctest: +SKIP
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from assistant.auth.service import Principal
from assistant.errors import AssistantError, InvalidQuery
from assistant.ops.alerts import store
from assistant.ops.alerts.counts import CountStore
from assistant.ops.alerts.detector import Counts, SpikeTest
from assistant.ops.alerts.models import Alert, AlertKind, AlertPublic, AlertStatus, UrgentTerm
from assistant.ops.alerts.terms import InvalidTerm, Tagger, TermMatcher, TermRow, shipped_terms
from assistant.retrieval.regions import RegionResolver
from assistant.text.pii import mask_pii
from assistant.types import EntryRecord, Hit

log = logging.getLogger(__name__)
AlertListener = Callable[[AlertPublic], None]
SAMPLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Observation:
    question: str
    region: str
    categories: tuple[str, ...]
    once: str
    at: float


@dataclass(slots=True)
class AlertStats:
    observed: int = 0
    dropped: int = 0  # the queue was full
    errors: int = 0   # counting failed (logged); the request it came from was not affected
    raised: int = 0
    seconds: float = 0.0  # worker time spent on the observed questions


class AlertService:
    """Counting, detection and the supervisor's actions on alerts and on the dictionary."""

    def __init__(self, engine: Engine, tagger: Tagger, regions: RegionResolver, counts: CountStore, *,
                 test: SpikeTest | None = None, window_minutes: int = 10, on_alert: Iterable[AlertListener] = (),
                 clock: Callable[[], float] = time.time, queue_size: int = 10_000,
                 reload_seconds: float = 10.0, enabled: bool = True) -> None:
        self.enabled = enabled
        self.engine, self.tagger, self.regions, self.counts = engine, tagger, regions, counts
        self.test = test or SpikeTest()
        self.window_minutes, self.clock, self.reload_seconds = window_minutes, clock, reload_seconds
        self.on_alert: list[AlertListener] = list(on_alert)
        self.stats = AlertStats()
        self._matcher: TermMatcher | None = None
        self._terms_version: tuple[int, int] | None = None
        self._next_reload = 0.0
        self._labels: dict[str, tuple[str, str]] = {}  # region as given → (its label, its city's if a district)
        self._queue: queue.Queue[Observation | None] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the dictionary ---------------------------------------------------------------------------

    def load(self) -> None:
        """Seed the dictionary from the shipped file if the database never had one, and compile it."""
        store.seed_terms(self.engine, shipped_terms())
        self._reload()

    def _reload(self) -> None:
        version = store.terms_version(self.engine)
        rows = [TermRow(t.topic, t.phrase, t.region) for t in store.list_terms(self.engine)]
        matcher = TermMatcher(rows, self.tagger)
        with self._lock:
            self._matcher, self._terms_version = matcher, version
            self._next_reload = time.monotonic() + self.reload_seconds

    def _current_matcher(self) -> TermMatcher:
        if self._matcher is None:
            self.load()
        elif time.monotonic() >= self._next_reload:  # another replica may have edited it
            self._next_reload = time.monotonic() + self.reload_seconds
            if store.terms_version(self.engine) != self._terms_version:
                self._reload()
        assert self._matcher is not None
        return self._matcher

    def terms(self) -> list[UrgentTerm]:
        """The phrasings in use; the first call of a new database seeds the shipped dictionary (as the first
        question does), so an editor who opens the dictionary before any call sees it, not an empty one."""
        self._current_matcher()
        return store.list_terms(self.engine)

    def validate(self, rows: Sequence[TermRow]) -> list[TermRow]:
        """Rows with their region as a full label; every bad row is reported at once (422)."""
        out, problems = [], []
        for i, row in enumerate(rows, start=1):
            topic, phrase = " ".join(row.topic.split()), " ".join(row.phrase.split())
            if not topic or not phrase:
                problems.append(f"row {i}: {'topic' if not topic else 'phrase'} is empty")
                continue
            try:
                region = self.regions.parse(row.region).label
            except AssistantError as exc:
                problems.append(f"row {i}: {exc}")
                continue
            out.append(TermRow(topic, phrase, region))
        if problems:
            raise InvalidTerm(problems)
        TermMatcher(out, self.tagger)  # a phrasing with nothing to match on is refused too
        return out

    def add_terms(self, rows: Sequence[TermRow], *, by: Principal) -> list[UrgentTerm]:
        self._current_matcher()  # seed first: the shipped rows are not lost to the first edit
        added = store.add_terms(self.engine, self.validate(rows), by=by)
        self._reload()
        return added

    def retire_term(self, term_id: int, *, by: Principal) -> UrgentTerm:
        term = store.retire_term(self.engine, term_id, by=by)
        self._reload()
        return term

    def topics(self, question: str, region: str = "") -> list[str]:
        """The urgent topics ``question`` would count toward, asked from ``region``, with the dictionary as it
        is now (the editors' check of a phrasing). A region the service does not know is an error."""
        if not question.strip():
            raise InvalidQuery("question is empty: type what a caller would say")
        label = self.regions.parse(region).label if region.strip() else ""
        return self._current_matcher().match(self.tagger(question), label)

    # -- counting ---------------------------------------------------------------------------------

    def observe(self, question: str, region: str = "", categories: Iterable[str] = (), *, once: str = "") -> None:
        """Count a (masked) question from the caller's region; ``categories`` are the categories of the
        entries it found (ordinary topics), ``once`` a call id. Never raises, never waits."""
        if not self.enabled:
            return
        try:
            obs = Observation(question, region or "", tuple(c for c in categories if c), once, self.clock())
            if self._thread is None:
                self.process(obs)
                return
            self._queue.put_nowait(obs)
        except queue.Full:
            self.stats.dropped += 1
        except Exception:  # noqa: BLE001 - counting must never fail the question it counts
            self.stats.errors += 1
            log.exception("alert counting failed; the question was answered all the same")

    def observe_hits(self, question: str, region: str, hits: Sequence[Hit], entries: Mapping[str, EntryRecord],
                     *, once: str = "") -> None:
        """``observe`` with the category of the entry the question found first as its ordinary topic."""
        try:
            entry = entries.get(hits[0].entry_id) if hits else None
            self.observe(question, region, [entry.category] if entry is not None else [], once=once)
        except Exception:  # noqa: BLE001 - as observe: never fail the question
            self.stats.errors += 1
            log.exception("alert counting failed; the question was answered all the same")

    def _label(self, region: str) -> tuple[str, str]:
        """The region's full label and, for a district, its city's label (else "")."""
        labels = self._labels.get(region)
        if labels is None:
            try:
                parsed = self.regions.parse(region)
                labels = (parsed.label, parsed.sido if parsed.sigungu else "")
            except AssistantError:
                labels = ("", "")
            if len(self._labels) < 10_000:
                self._labels[region] = labels
        return labels

    def _pairs(self, urgent: Sequence[str], categories: Sequence[str], region: str, city: str
               ) -> dict[str, tuple[AlertKind, str, str]]:
        """The count keys one question adds to: key → (kind, topic, region)."""
        pairs = {f"{AlertKind.urgent}\t{t}\t{region}": (AlertKind.urgent, t, region) for t in urgent}
        if city:
            pairs.update({f"{AlertKind.urgent}\t{t}\t{city}": (AlertKind.urgent, t, city) for t in urgent})
        if not urgent:  # an urgent question is about its urgent topic, whatever entry it found
            pairs.update({f"{AlertKind.topic}\t{c}\t{region}": (AlertKind.topic, c, region) for c in categories[:1]})
        return pairs

    def process(self, obs: Observation) -> list[AlertPublic]:
        """Count one question and store the spikes it completes; returns the alerts it raised."""
        t0 = time.perf_counter()
        matcher = self._current_matcher()
        region, city = self._label(obs.region)
        urgent = matcher.match(self.tagger(obs.question), region)
        pairs = self._pairs(urgent, obs.categories, region, city)
        sample = mask_pii(obs.question).text[:SAMPLE_CHARS]
        counted = self.counts.add(int(obs.at // 60), list(pairs), sample, once=obs.once)
        raised = []
        for key, counts in counted.items():
            spike = self.test.assess(counts)
            if spike is None:
                continue
            kind, topic, where = pairs[key]
            if where != region and not self._spread(counted, counts, f"{kind}\t{topic}\t{region}"):
                continue
            stored = store.record_spike(self.engine, topic=topic, kind=kind, region=where, spike=spike,
                                        window_seconds=self.window_minutes * 60, samples=self.counts.samples(key),
                                        now=datetime.fromtimestamp(obs.at, UTC))
            if stored is not None and stored[1]:
                raised.append(AlertPublic.model_validate(stored[0].model_dump()))
        self.stats.observed += 1
        self.stats.seconds += time.perf_counter() - t0
        for alert in raised:
            self.stats.raised += 1
            self._notify(alert)
        return raised

    def _spread(self, counted: Mapping[str, Counts], city: Counts, district_key: str) -> bool:
        """Does a city's window hold ``min_count`` questions from districts other than the caller's?"""
        own = counted.get(district_key)
        return city.window - (own.window if own is not None else 0) >= self.test.min_count

    def _notify(self, alert: AlertPublic) -> None:
        for listener in list(self.on_alert):
            try:
                listener(alert)
            except Exception:  # noqa: BLE001 - one broken listener must not keep the others from hearing
                log.exception("alert listener %r failed", listener)

    # -- the worker -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="alert-counting", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def flush(self) -> None:
        """Wait until every question observed so far is counted (tests, shutdown)."""
        if self._thread is not None:
            self._queue.join()

    def _run(self) -> None:
        while True:
            obs = self._queue.get()
            try:
                if obs is None:
                    return
                self.process(obs)
            except Exception:  # noqa: BLE001 - keep counting the next ones
                self.stats.errors += 1
                log.exception("alert counting failed for one question")
            finally:
                self._queue.task_done()

    # -- alerts -----------------------------------------------------------------------------------

    def alerts(self, status: str = "") -> list[Alert]:
        if status not in ("", "all", *AlertStatus):
            raise InvalidQuery(f"status must be one of all, {', '.join(AlertStatus)} (or none: unresolved)")
        return store.list_alerts(self.engine, status=status)

    def acknowledge(self, alert_id: int, *, by: Principal) -> Alert:
        return store.set_status(self.engine, alert_id, AlertStatus.acknowledged, by=by)

    def resolve(self, alert_id: int, *, by: Principal) -> Alert:
        return store.set_status(self.engine, alert_id, AlertStatus.resolved, by=by)
