"""Integrations: connecting AWS and GitHub through the CLI, end to end against local stand-ins."""
