"""Adapters for other frameworks (LangChain). Optional: needs ``langchain-core``."""
