"""Lexical (BM25) and dense (FAISS) indexes, embedders, the embedding cache and the manifest."""
