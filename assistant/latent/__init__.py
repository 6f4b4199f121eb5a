"""Latent terms: the embedder's sparse head read as second-stage ranking features."""
