"""Answer generators: one-method protocol ``generate(request)`` yielding text pieces.

``ExtractiveGenerator`` needs no model: the best entry's most relevant sentences, each cited.
``OpenAIChatGenerator`` talks to any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp, OpenAI).

>>> gen = ExtractiveGenerator(tokenize=str.split)
>>> "".join(gen.generate(GenerationRequest("신청 방법", "", [entry], [])))   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.advisor.facts import sentences
from assistant.errors import AssistantError
from assistant.types import EntryRecord


class GeneratorError(AssistantError):
    pass


@dataclass(frozen=True)
class GenerationRequest:
    question: str  # already masked
    region: str
    sources: Sequence[EntryRecord]
    messages: list[dict[str, str]]


class Generator(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> Iterator[str]: ...


class ExtractiveGenerator:
    """Quotes the first source: its title line, its first sentence, then the sentences that share most
    words with the question, in the entry's own order, each cited [1]."""

    name = "extractive"

    def __init__(self, tokenize: Callable[[str], list[str]], max_sentences: int = 3) -> None:
        self.tokenize, self.max_sentences = tokenize, max_sentences

    def select(self, question: str, entry: EntryRecord) -> list[str]:
        q = set(self.tokenize(question))
        cands = [s for s in sentences(entry.content) if not s.startswith(("분야:", "지원 주기:"))]
        if not cands:
            return []
        scored = [(len(q & set(self.tokenize(s))), -i, s) for i, s in enumerate(cands[1:], start=1)]
        best = sorted(scored, reverse=True)[: self.max_sentences - 1]
        chosen = {cands[0]} | {s for overlap, _, s in best if overlap > 0}  # the summary, then what matches
        return [s for s in cands if s in chosen]

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        if not request.sources:
            return
        entry = request.sources[0]
        region = f"{entry.region_label} " if entry.sido else ""
        yield f"{region}{entry.title} 안내입니다[1]."
        for s in self.select(request.question, entry):
            body = s.rstrip(".")
            yield f" {body}[1]."


class OpenAIChatGenerator:
    """Streams a chat completion from an OpenAI-compatible server.

    >>> gen = OpenAIChatGenerator("http://127.0.0.1:8000/v1", "qwen2.5-7b-instruct")   # doctest: +SKIP
    """

    def __init__(self, base_url: str, model: str, *, api_key: str = "unused", timeout: float = 8.0,
                 max_retries: int = 1, temperature: float = 0.0, max_tokens: int = 400) -> None:
        self.base_url, self.model, self.api_key = base_url, model, api_key
        self.timeout, self.max_retries = timeout, max_retries
        self.temperature, self.max_tokens = temperature, max_tokens
        self.name = f"llm:{model}"
        self._client: Any = None

    def load(self) -> None:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key or "unused",
                                  timeout=self.timeout, max_retries=self.max_retries)

    def generate(self, request: GenerationRequest) -> Iterator[str]:
        import openai

        self.load()
        try:
            stream = self._client.chat.completions.create(
                model=self.model, messages=request.messages, stream=True,
                temperature=self.temperature, max_tokens=self.max_tokens)
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.OpenAIError as exc:
            raise GeneratorError(f"{self.name} at {self.base_url} failed: {type(exc).__name__}: {exc}") from exc


__all__ = ["ExtractiveGenerator", "GenerationRequest", "Generator", "GeneratorError", "OpenAIChatGenerator"]
