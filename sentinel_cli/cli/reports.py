"""``sentinel reports``: generate, list, download and verify audit reports (PDF).

Thin shells over the backend (``context.backend()``): this machine's store through
``sentinel_cli.operations.reports``, or the server ``sentinel login`` chose, with the same output
and exit codes. Generation runs in the command locally, with a Rich progress bar of its stages on a
terminal (stderr; nothing when piped or with ``--json``; a server reports no stages), and can write
the PDF at once (``--output``). ``verify`` hashes the file on this machine and exits 0 only when it
is byte-for-byte a report of the store, 1 when it is altered or unknown. fpdf2 loads only in a
local ``generate``.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION
from sentinel_cli.wire import REPORT_TYPES

app = typer.Typer(help="Generate auditor-ready PDF reports over a period, list, download, verify.")

TYPES = f"{', '.join(REPORT_TYPES[:-1])} or {REPORT_TYPES[-1]}"


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _size(size: int | None) -> str:
    if size is None:
        return ""
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


@app.command("generate")
def generate(
    report_type: str = typer.Option(..., "--type", "-t", help=f"Report type: {TYPES}."),
    period_start: str = typer.Option(
        None,
        "--period-start",
        help="First day of the period, YYYY-MM-DD (default: 89 days before the end).",
    ),
    period_end: str = typer.Option(
        None, "--period-end", help="Last day of the period, YYYY-MM-DD (default: today, UTC)."
    ),
    output: str = typer.Option(
        None, "--output", "-o", help="Also write the PDF to this file or directory."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
    as_json: bool = JSON_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Generate a report from the evidence collected inside the period and store it."""
    from sentinel_cli.cli.files import write_document

    written = None
    with (
        context.backend() as backend,
        console.step_bar("Generating", "starting", enabled=not quiet and not as_json) as bar,
    ):
        progress = None if bar is None else (lambda label, done, total: bar(done, total, label))
        result = backend.generate_report(report_type, period_start, period_end, progress)
        if output:
            doc = backend.download_report(result["report"]["id"])
            written = write_document(doc, output, force=force)
    item = result["report"]

    def render() -> None:
        summary = item["summary"]
        out = console.out()
        out.print(
            f"[green]Generated[/green] [bold]{item['reportType']}[/bold] report "
            f"[cyan]{item['id']}[/cyan] for {item['periodStart']} to {item['periodEnd']}: "
            f"{item['pages']} pages, {_size(item['size'])}"
        )
        if not summary.get("evidenceInPeriod"):
            console.notice("no evidence was collected in this period: the report says so")
        # Hashes, paths and commands are copied: one per line, never wrapped (console.line).
        console.line(f"SHA-256 {item['sha256']}")
        if written is not None:
            console.line(f"Wrote [bold]{_esc(str(written))}[/bold]")
        else:
            console.line(
                f"Download: sentinel reports download {item['id'][:8]} --output "
                f"{_esc(shlex.quote(item['fileName']))}"
            )

    console.emit(result, as_json, render)


@app.command("list")
def list_reports(as_json: bool = JSON_OPTION) -> None:
    """List generated reports, newest first."""
    with context.backend() as backend:
        items: list[dict[str, Any]] = backend.list_reports()
    data = {"reports": items}
    console.emit(
        data,
        as_json,
        lambda: console.table(
            "Reports",
            ["ID", "Type", "Period", "Status", "Pages", "Size", "Created (UTC)"],
            [
                (
                    r["id"][:8],
                    r["reportType"],
                    f"{r['periodStart']} to {r['periodEnd']}",
                    console.styled(r["status"]),
                    r["pages"] or "",
                    _size(r["size"]),
                    r["createdAt"][:16].replace("T", " "),
                )
                for r in items
            ],
            empty=f"No reports yet: sentinel reports generate --type {REPORT_TYPES[0]}",
            caption="IDs are shortened; any unique prefix works, --json shows them whole.",
        ),
    )


@app.command("download")
def download(
    report_id: str = typer.Argument(..., metavar="ID"),
    output: str = typer.Option(
        None,
        "--output",
        "-o",
        help="File or directory to write (default: the report's file name here); '-' for stdout.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Download a generated report as PDF."""
    from sentinel_cli.cli.files import write_document
    from sentinel_cli.errors import InvalidInput

    with context.backend() as backend:
        doc = backend.download_report(report_id)
    if output == "-":
        if sys.stdout.isatty():
            raise InvalidInput(
                "refusing to write a PDF to the terminal",
                hint="redirect standard output to a file, or pass --output FILE.pdf",
            )
        sys.stdout.buffer.write(doc.content)
        sys.stdout.flush()
        return
    path = write_document(doc, output, force=force)
    console.line(f"Wrote [bold]{_esc(str(path))}[/bold] ({len(doc.content):,} bytes)")


@app.command("verify")
def verify(
    file: str = typer.Argument(..., metavar="FILE", help="A downloaded report PDF."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check that a PDF is, byte for byte, a report generated by this store (exit 0) or not (1)."""
    with context.backend() as backend:
        result = backend.verify_report_file(file)

    def render() -> None:
        if result.ok:
            console.line(f"[green]Verified:[/green] {_esc(result.message)}")  # names the file
        else:
            console.error_line(
                ("Altered: " if result.verdict == "ALTERED" else "Unknown: ") + result.message,
                "download the original again with 'sentinel reports download ID'",
            )

    console.emit(result.shape(), as_json, render)
    if not result.ok:
        raise typer.Exit(1)
