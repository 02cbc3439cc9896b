"""Rendering of policies and reports from bundled templates (Markdown now, PDF later)."""
