"""Recovery: daily snapshots of the fact and dimension tables, and their restore."""
