"""Real stand-ins for external services (an OpenAI-compatible LLM server), started by tests."""

from tests.fakes.openai_chat import FakeChatServer

__all__ = ["FakeChatServer"]
