"""Benchmark suite for the retrieval service: index builds, query latency and quality, edit-to-searchable,
memory, a LangChain baseline on the same KB and questions, and a scale curve on a derived corpus.

Run from the repository root, in the project's virtualenv::

    python -m bench.run              # everything except a full cold embedding (several minutes)
    python -m bench.run --quick      # short smoke version (CI), under about two minutes
    python -m bench.run --scale      # also the scale curve at 4,746 / 9,455 / 50,000 entries
    python -m bench.run --full-cold  # also embed the whole KB with an empty cache (~11 min on 2 cores)
    python -m bench.run --json       # one JSON object on stdout instead of the table

All state lives in a temporary directory; ``var/`` and ``knowledge_base/`` are only read.
"""
