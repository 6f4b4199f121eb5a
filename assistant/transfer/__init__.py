"""Transfers with a summary: what the receiving counselor (or agency) reads first, and the link between
the two sides' after-call records."""
