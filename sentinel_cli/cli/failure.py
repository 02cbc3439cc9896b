"""How a failed command ends, in one place: one red line (and a hint), then an exit code.

Used by the Typer app (``SentinelGroup.invoke``) and by ``cli.fastpath``, so a domain error, an
interrupt or a crash looks the same whichever path ran the command. Typer is not imported here.
"""

from __future__ import annotations

from sentinel_cli.cli import console
from sentinel_cli.errors import SentinelError

INTERRUPTED = 130
INTERNAL_ERROR = 70
BROKEN_PIPE = 1


def report_failure(exc: BaseException) -> int:
    """Print ``exc`` for the user (the traceback only with ``SENTINEL_DEBUG=1``); return the exit
    code the README documents for it."""
    if isinstance(exc, KeyboardInterrupt):
        console.error_line("interrupted")
        return INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        # `sentinel ... | head`: the reader left. Nothing to report; point stdout at /dev/null so
        # the interpreter's final flush does not fail again, and exit 1 as click does.
        import contextlib
        import os
        import sys

        # No real file descriptor (a test runner's stream): nothing to redirect.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    if console.debug_enabled():
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, SentinelError):
        console.error_line(exc.message, exc.hint)
        return exc.exit_code
    console.error_line(
        f"internal error: {type(exc).__name__}: {exc}",
        "this is a bug in Sentinel; rerun with SENTINEL_DEBUG=1 and report the traceback",
    )
    return INTERNAL_ERROR
