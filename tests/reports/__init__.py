"""Audit reports: generation from real collections, the period semantics and the scores."""
