"""Every suggestion shown to a counselor, what the counselor did with it, and the knowledge-gap report."""
