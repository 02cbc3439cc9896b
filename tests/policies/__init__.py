"""Policies: operations, the CLI and the generated PDFs."""
