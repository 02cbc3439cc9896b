"""The ``sentinel`` command line.

``main`` is the console-script entry point. It offers the arguments to ``cli.fastpath`` first (the
CI gate, ``sentinel evidence --status FAIL``, runs without importing Typer) and hands everything
else to the Typer app in ``cli.root``. Importing this package stays cheap: ``app``,
``SentinelGroup`` and ``LAZY_COMMANDS`` are loaded from ``cli.root`` on first access.
"""

from __future__ import annotations

import sys
from typing import Any

_FROM_ROOT = ("app", "SentinelGroup", "LAZY_COMMANDS")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; always ends with ``SystemExit`` carrying the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    from sentinel_cli.cli.fastpath import run_fast

    code = run_fast(args)
    if code is not None:
        sys.exit(code)
    from sentinel_cli.cli.root import run

    run(args)


def __getattr__(name: str) -> Any:
    if name in _FROM_ROOT:
        from sentinel_cli.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
