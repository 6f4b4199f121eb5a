"""Fusion (pure functions), region resolution and the hybrid retriever."""
