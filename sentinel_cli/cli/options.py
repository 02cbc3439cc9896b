"""Options several command groups share. Imports Typer: not for the Typer-free fast path."""

from __future__ import annotations

import typer

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (the API's data shape).")
WIDE_OPTION = typer.Option(
    False,
    "--wide",
    help="On a terminal, every column in full (lines may be wider than the screen); by default "
    "the table fits the terminal, ids kept whole. Piped output is plain columns either way.",
)
