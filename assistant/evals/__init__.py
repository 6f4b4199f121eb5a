"""Datasets, pure metrics and runners for retrieval (and later answer) evaluation."""
