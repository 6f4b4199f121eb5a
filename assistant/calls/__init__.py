"""Live calls: transcript utterances, suggestions shown, transfers, the after-call record."""
