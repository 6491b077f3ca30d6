"""Retention: how long each mart table keeps its partitions, and the asset that enforces it."""
