"""The store: migrations, crash recovery and the secrets backends."""
