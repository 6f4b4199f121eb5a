"""The composition root shared by the CLI and the API: builds components from ``Settings``.

Construction is light; ``start()`` loads the index (and embedder) once.

>>> rt = Runtime(Settings())        # doctest: +SKIP
>>> rt.start(); rt.retriever.search("기초연금 신청")   # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.advisor.generators import ExtractiveGenerator, Generator, OpenAIChatGenerator
from assistant.advisor.prompts import Prompt
from assistant.advisor.service import AbstentionPolicy, Advisor
from assistant.agencies.directory import AgencyDirectory
from assistant.agencies.service import AgencyService
from assistant.auth.service import TokenService
from assistant.calls.service import CallService
from assistant.config import Settings
from assistant.domain.model import DomainModel, DomainModelError
from assistant.editor.drafts import DraftService
from assistant.editor.service import EditorService
from assistant.evals.queue import EvalQueue
from assistant.feedback.proposal import GapDrafts
from assistant.feedback.service import FeedbackService
from assistant.index.cache import EmbeddingCache, QueryVectorCache
from assistant.index.embedders import Embedder, make_embedder
from assistant.index.manager import IndexManager
from assistant.index.snapshot import Snapshot
from assistant.index.sync import KbWatcher
from assistant.kb import repo
from assistant.kb.db import make_engine, migrate
from assistant.latent.service import LatentTerms, LatentTermsError
from assistant.ops.alerts.counts import CountStore, FallbackCounts, MemoryCounts, RedisCounts
from assistant.ops.alerts.detector import SpikeTest
from assistant.ops.alerts.models import AlertPublic
from assistant.ops.alerts.service import AlertService
from assistant.ops.alerts.webhook import WebhookSender
from assistant.ops.currency.service import CurrencyService
from assistant.ops.notices.service import NoticeService
from assistant.ops.push.hub import PushHub
from assistant.ops.push.log import MemoryLog, RedisLog
from assistant.ops.trends.service import TrendsService
from assistant.rank.model import RankModelError
from assistant.rank.service import LearnedRanker
from assistant.rank.store import ModelStore, check
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.regions import RegionResolver
from assistant.text.crosslingual import Glossary
from assistant.text.thesaurus import Thesaurus
from assistant.text.tokenizer import load_user_dictionary
from assistant.transfer.service import TransferService
from assistant.types import Hit

log = logging.getLogger(__name__)


class Runtime:
    """Holds the process's components; nothing heavy happens until it is asked for."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._watcher: KbWatcher | None = None
        self.rank_error = ""  # why the second ranking stage is off, when it is
        self.domain_error = ""  # why the topic check of abstention is off, when it is
        self.alert_webhook: WebhookSender | None = None

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        migrate(engine)
        return engine

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        emb = make_embedder(s.embedder, model=s.embedder_model, base_url=s.embedder_base_url,
                            api_key=s.embedder_api_key.get_secret_value(),
                            threads=s.embedder_threads, instances=s.embedder_instances, query_batch=s.query_batch)
        load = getattr(emb, "load", None)
        if load:
            load()
        return emb

    @cached_property
    def cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.settings.embedding_cache_dir, self.embedder.name, self.embedder.dim,
                              seed=self.settings.shipped_embeddings_dir)

    @cached_property
    def manager(self) -> IndexManager:
        return IndexManager(self.engine, self.settings.index_dir, self.embedder, self.cache,
                            chunk_max_chars=self.settings.chunk_max_chars,
                            user_words=load_user_dictionary(self.settings.kb_dir / "userdict.tsv"))

    def regions(self) -> RegionResolver:
        """Every real region (the shipped code table), whatever entries the knowledge base has."""
        return RegionResolver()

    @cached_property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(
            self.manager.holder, self.embedder, self.regions(), self.manager.tokenizer,
            Thesaurus.load(s.kb_dir / "thesaurus.tsv"), Glossary.load(s.kb_dir / "glossary.tsv"),
            rrf_k=s.rrf_k, weights=(s.weight_lexical, s.weight_dense), local_weight=s.weight_local,
            national_weight=s.weight_national,
            candidate_k=s.candidate_k,
            top_k=s.top_k, max_query_chars=s.max_query_chars,
            query_cache=QueryVectorCache(s.query_cache_size),
            rerank_k=s.rerank_k,
        )

    @cached_property
    def rank_store(self) -> ModelStore:
        return ModelStore(self.settings.rank_dir, shipped=self.settings.kb_dir / "rank")

    def load_ranker(self) -> LearnedRanker | None:
        """The active ranking model for the loaded index, or None (the first stage ranks alone) with the
        reason kept in ``rank_error`` and logged: a missing or mismatched model never stops the service."""
        self.rank_error = ""
        if not self.settings.rank_enabled:
            self.rank_error = "disabled (ASSISTANT_RANK_ENABLED=false)"
            return None
        try:
            model = self.rank_store.active()
            latent = self.latent_terms if model.uses_latent else None
            check(model, self.manager.holder.snapshot.manifest, latent)
            if latent is not None:  # every entry's terms now (from the store), not on the first call
                latent.entries(self.manager.holder.snapshot)
        except RankModelError as exc:
            self.rank_error = str(exc)
            log.error("second ranking stage off, the first stage ranks alone: %s", exc)
            return None
        return LearnedRanker(model, self.retriever.lexicon, latent)

    @cached_property
    def latent_terms(self) -> LatentTerms | None:
        """The embedder's latent terms for the ranker, or None when it has no sparse head (logged)."""
        s = self.settings
        encoder = getattr(self.embedder, "inner", self.embedder)  # under the query batcher
        latent = LatentTerms(encoder, s.embedding_cache_dir / "latent", seed=s.kb_dir / "latent",
                             query_cache=s.query_cache_size)
        try:
            latent.load()
        except LatentTermsError as exc:
            log.warning("%s", exc)
            return None
        return latent

    @cached_property
    def advisor(self) -> Advisor:
        s = self.settings
        generators: list[Generator] = []
        if s.llm_base_url and s.llm_model:
            generators.append(OpenAIChatGenerator(
                s.llm_base_url, s.llm_model, api_key=s.llm_api_key.get_secret_value(),
                timeout=s.llm_timeout, max_retries=s.llm_max_retries))
        generators.append(ExtractiveGenerator(self.manager.tokenizer.tokenize))
        return Advisor(self.retriever, generators, Prompt.load(s.prompt_file),
                       policy=self.abstention, notices=self.notices)

    @cached_property
    def abstention(self) -> AbstentionPolicy:
        s = self.settings
        return AbstentionPolicy(s.abstain_confidence_min, s.abstain_lexical_weight, s.abstain_foreign_dense_min,
                                language_floors=tuple(sorted(s.abstain_language_floors.items())),
                                domain=self.load_domain())

    def load_domain(self) -> DomainModel | None:
        """The topic check's model for this embedder, or None (the retrievers' evidence alone decides) with
        the reason kept in ``domain_error`` and logged: a missing or mismatched model never stops the service."""
        self.domain_error = ""
        if not self.settings.abstain_domain_enabled:
            self.domain_error = "disabled (ASSISTANT_ABSTAIN_DOMAIN_ENABLED=false)"
            return None
        try:
            model = DomainModel.load(self.settings.abstain_domain_model)
            model.check(self.embedder.name)
        except DomainModelError as exc:
            self.domain_error = str(exc)
            log.error("topic check off, abstention reads the retrievers' evidence alone: %s", exc)
            return None
        return model

    @cached_property
    def push(self) -> PushHub:
        """Server push to the widgets: a Redis stream shared by every replica when ``push_storage`` names one,
        else this process's memory."""
        s = self.settings
        shared = s.push_storage and s.push_storage != "memory://"
        events = RedisLog(s.push_storage, key=s.push_key, retention=s.push_retention) if shared \
            else MemoryLog(s.push_retention)
        return PushHub(events)

    @cached_property
    def notices(self) -> NoticeService:
        # the tokenizer is looked up per call: loading an index may replace it with the one its manifest names
        return NoticeService(self.engine, self.regions(), lambda text: self.manager.tokenizer.tokenize(text),
                             push=self.push, cache_seconds=self.settings.notice_cache_seconds)

    @cached_property
    def feedback(self) -> FeedbackService:
        return FeedbackService(self.engine, tokenize=self.manager.tokenizer.tokenize)

    @cached_property
    def trends(self) -> TrendsService:
        # looked up per call: loading an index may replace the tokenizer with the one its manifest names
        return TrendsService(self.engine, self.regions(), tokenize=lambda text: self.manager.tokenizer.tokenize(text))

    @cached_property
    def currency(self) -> CurrencyService:
        return CurrencyService(self.engine, self.regions())

    @cached_property
    def gap_drafts(self) -> GapDrafts:
        return GapDrafts(self.engine, self.regions(), tokenize=lambda text: self.manager.tokenizer.tokenize(text))

    @cached_property
    def calls(self) -> CallService:
        return CallService(self.engine, self.advisor, self.feedback, observe=self.observe_question,
                           transfers=self.transfers)

    @cached_property
    def transfers(self) -> TransferService:
        """Transfer summaries: the advisor's model, when one is configured, writes them (grounded in the call);
        the cited entries are read from the live snapshot when a summary is made."""
        return TransferService(self.engine, generators=self.advisor.generators,
                               entries=lambda: self.manager.holder.snapshot.entries)

    @cached_property
    def agency_directory(self) -> AgencyDirectory:
        """Agency names and contact lines for the transfer hints on other agencies' hits (cached reads)."""
        return AgencyDirectory(self.engine)

    @cached_property
    def agencies(self) -> AgencyService:
        """The agency table; a creation or deletion takes effect at once in this process (token cache and
        directory cleared), within their cache times on other replicas."""
        def changed() -> None:
            self.tokens.forget()
            self.agency_directory.invalidate()

        return AgencyService(self.engine, on_change=changed)

    @cached_property
    def alerts(self) -> AlertService:
        """Urgent-issue alerts: counts in Redis when one is configured (every replica sees every question),
        else in this process. ``alerts.on_alert`` is where the widgets' push subscribes."""
        s = self.settings
        window, baseline = s.alerts_window_minutes, s.alerts_baseline_hours
        storage = s.alerts_storage or s.rate_limit_storage
        local = MemoryCounts(window, baseline)
        counts: CountStore = local if not storage or storage == "memory://" else FallbackCounts(
            RedisCounts(storage, prefix=s.rate_limit_prefix, window=window, baseline=baseline), local)
        service = AlertService(self.engine, lambda text: self.manager.tokenizer.tagged(text), self.regions(), counts,
                               test=SpikeTest(alpha=s.alerts_alpha, min_count=s.alerts_min_count),
                               window_minutes=window, enabled=s.alerts_enabled)
        if s.alerts_webhook_url:
            hook = self.alert_webhook = WebhookSender(s.alerts_webhook_url, timeout=s.alerts_webhook_timeout,
                                                      attempts=s.alerts_webhook_attempts)
            service.on_alert.append(lambda alert: hook.send(alert.model_dump(mode="json")))
        push = self.push

        def banner(alert: AlertPublic) -> None:  # in the widgets following the alert's region
            push.publish_alert(alert)

        service.on_alert.append(banner)
        return service

    def observe_question(self, question: str, region: str, hits: Sequence[Hit], *, once: str = "",
                         snapshot: Snapshot | None = None) -> None:
        """Count a masked question (or final citizen utterance) for the alerts; never raises. ``snapshot``:
        the one the hits come from (their entries' categories are read there), else the live one."""
        try:
            entries = (snapshot or self.manager.holder.snapshot).entries
            self.alerts.observe_hits(question, region, hits, entries, once=once)
        except Exception:  # noqa: BLE001 - counting must never fail the question it counts
            log.exception("alert counting failed; the question was answered all the same")

    @cached_property
    def tokens(self) -> TokenService:
        return TokenService(self.engine, cache_seconds=self.settings.token_cache_seconds)

    @cached_property
    def evals(self) -> EvalQueue:
        s = self.settings
        return EvalQueue(self.engine, self.advisor, queries_path=s.eval_queries, gates_path=s.eval_gates,
                         top_k=s.eval_top_k)

    @cached_property
    def editor(self) -> EditorService:
        on_change = self.evals.enqueue if self.settings.eval_on_change else None
        return EditorService(self.engine, self.manager, on_change=on_change, agencies=self.agencies.codes)

    @cached_property
    def drafts(self) -> DraftService:
        return DraftService(self.engine, self.manager, self.editor, self.evals, self.advisor)

    def start(self) -> None:
        """Load the saved index and catch up with the database."""
        self.manager.load()
        self.retriever.tokenizer = self.manager.tokenizer
        self.retriever.reranker = self.load_ranker()
        # pay one-off costs (Kiwi's worker pool, the embedder's first call) before the first caller does
        self.manager.tokenizer.tokenize_many(["워밍업 문장입니다", "두 번째 문장"])
        self.retriever.search("워밍업", top_k=1)

    def start_background(self) -> None:
        """Start the service's background work: the evaluation queue's worker, and keeping the index
        in step with other replicas' edits."""
        s = self.settings
        self.push.start()
        if s.alerts_enabled:
            self.alerts.start()
            if self.alert_webhook is not None:
                self.alert_webhook.start()
        if s.eval_on_change:
            self.evals.start()
        if not s.sync_enabled or (self._watcher is not None and self._watcher.running):
            return
        self._watcher = KbWatcher(self.manager, poll_seconds=s.sync_poll_seconds, listen=s.sync_listen,
                                  save_seconds=s.sync_save_seconds, load=self.start)
        self._watcher.start()

    def stop_background(self) -> None:
        """Stop what ``start_background`` started; safe to call when nothing runs."""
        if "push" in self.__dict__:
            self.push.stop()
        if "alerts" in self.__dict__:
            self.alerts.stop()
        if self.alert_webhook is not None:
            self.alert_webhook.stop()
        if "evals" in self.__dict__:
            self.evals.stop()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def kb_version(self) -> int:
        with Session(self.engine) as s:
            return repo.kb_version(s)
