"""Options several command groups share. Imports Typer: not for the Typer-free fast path."""

from __future__ import annotations

import typer

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (the API's data shape).")
