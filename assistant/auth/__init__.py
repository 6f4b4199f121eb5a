"""API tokens with roles, the permission table, and the append-only audit log."""
