"""``sentinel policies``: templates, company profile, generate, list, show, approve, download.

Thin shells over ``sentinel_cli.operations.policies``. Output only is decided here: tables with
overdue reviews in red, ``--json`` with the API's shapes, and where a downloaded document goes
(a file, a directory, or ``-`` for standard output). Jinja2 and fpdf2 load only in the commands
that render. Through ``context.backend()``: logged in to a server, policies are generated and
rendered there (a ``--data`` file is read here and sent as ``customData``) and downloads are written
here; the company profile lives on the server's machine and is refused remotely.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(
    help="Generate policies from templates, approve them, and download them as Markdown or PDF."
)
profile_app = typer.Typer(help="Company-wide defaults (company name, security officer ...).")
app.add_typer(profile_app, name="profile")


def _next_review(item: dict[str, Any]) -> Any:
    due = (item.get("nextReviewAt") or "")[:10]
    if item.get("reviewOverdue"):
        return console.styled(f"{due} (overdue)", "bold red")
    return due


@app.command("templates")
def templates(as_json: bool = JSON_OPTION) -> None:
    """List the policy templates with the controls of each framework each satisfies."""
    with context.backend() as backend:
        items = backend.list_templates()
    # A column per framework, headed by its id: its controls, then its clauses (requirements
    # outside its controls, such as a standard's management-system clauses).
    frameworks = list(dict.fromkeys(fid for t in items for fid in t["controls"]))
    console.emit(
        {"templates": items},
        as_json,
        lambda: console.table(
            "Policy templates",
            ["ID", "Title", "Version", *frameworks, "Required fields"],
            [
                (
                    t["id"],
                    t["title"],
                    t["version"],
                    *(
                        ", ".join(t["controls"].get(fid, []) + t["clauses"].get(fid, []))
                        for fid in frameworks
                    ),
                    ", ".join(f["name"] for f in t["fields"] if f["required"]),
                )
                for t in items
            ],
        ),
    )


@app.command("generate")
def generate(
    template_id: str = typer.Argument(..., metavar="TEMPLATE_ID"),
    assignments: list[str] = typer.Option(
        None, "--set", help="A field value NAME=VALUE (repeatable); overrides --data and profile."
    ),
    data_file: str = typer.Option(
        None, "--data", help="YAML or JSON file with field values (see examples/company.yaml)."
    ),
    owner: str = typer.Option(
        None, "--owner", help="Owner's email (default: the securityOfficerEmail field)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate the next version of a policy from a template (status DRAFT)."""
    from sentinel_cli.operations.policies import load_data_file, parse_assignments

    # Read here, on this machine (a server cannot see its files): --set pairs win over --data.
    custom = dict(load_data_file(data_file)) if data_file is not None else {}
    custom.update(parse_assignments(assignments or []))
    with context.backend() as backend:
        result = backend.generate_policy(template_id=template_id, custom_data=custom, owner=owner)
    for warning in result["warnings"]:
        console.notice(f"warning: {warning}")
    item = result["policy"]
    if item.get("missingFields"):
        console.notice(_missing_warning(item))

    def render() -> None:
        console.out().print(
            f"[green]Generated[/green] [bold]{_esc(item['title'])}[/bold] version {item['version']}"
            f" (DRAFT) with id [cyan]{item['id']}[/cyan]"
        )
        console.out().print("Next: review it, then approve it:")
        console.line(f"  sentinel policies download {item['id'][:8]} --format pdf")
        console.line(f"  sentinel policies approve {item['id'][:8]} --approver EMAIL")

    console.emit(result, as_json, render)


def _missing_warning(item: dict[str, Any]) -> str:
    """A draft with placeholders is a success, but the user must know what to fill in and how."""
    from sentinel_cli.operations.policies import fill_missing_hint

    missing = item["missingFields"]
    return (
        f"warning: {item['title']} version {item['version']} is a draft with placeholders for "
        f"missing required field(s): {', '.join(missing)}. It cannot be approved until they are "
        f"set: {fill_missing_hint(item['templateId'], missing)}."
    )


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command("list")
def list_policies(
    all_versions: bool = typer.Option(
        False, "--all-versions", help="Show every version, not just each template's latest."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List generated policies (latest version of each); overdue reviews are shown in red."""
    with context.backend() as backend:
        items = backend.list_policies(all_versions=all_versions)
    console.emit(
        {"policies": items},
        as_json,
        lambda: console.table(
            "Policies",
            ["ID", "Title", "Version", "Status", "Owner", "Approved by", "Approved", "Next review"],
            [
                (
                    p["id"][:8],
                    p["title"],
                    p["version"],
                    console.styled(p["status"]),
                    p["owner"] or "",
                    p["approvedBy"] or "",
                    (p["approvedAt"] or "")[:10],
                    _next_review(p),
                )
                for p in items
            ],
            empty="No policies yet: sentinel policies templates, then sentinel policies generate ID",
            caption="IDs are shortened; any unique prefix works, --json shows them whole.",
        ),
    )


@app.command("show")
def show(policy_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JSON_OPTION) -> None:
    """Show one policy: its metadata, revision history and Markdown."""
    with context.backend() as backend:
        item = backend.get_policy(policy_id)

    def render() -> None:
        fields = [
            ("ID", item["id"]),
            ("Template", f"{item['templateId']} {item['templateVersion']}"),
            ("Version", item["version"]),
            ("Status", console.styled(item["status"])),
            ("Missing fields", ", ".join(item.get("missingFields") or [])),
            ("Owner", item["owner"]),
            ("Approved by", item["approvedBy"]),
            ("Approved at", item["approvedAt"]),
            ("Next review", _next_review(item)),
            ("Created at", item["createdAt"]),
            ("SHA-256", item["sha256"]),
        ]
        console.table(item["title"], ["Field", "Value"], [f for f in fields if f[1]])
        console.table(
            "Revision history",
            ["Version", "Created", "Status", "Approved by", "Approved", "SHA-256"],
            [
                (
                    r["version"],
                    r["createdAt"][:10],
                    console.styled(r["status"]),
                    r["approvedBy"] or "",
                    (r["approvedAt"] or "")[:10],
                    r["sha256"][:12],
                )
                for r in item["revisions"]
            ],
        )
        from rich.markdown import Markdown

        console.out().print(Markdown(item["content"]))

    console.emit({"policy": item}, as_json, render)


@app.command("approve")
def approve(
    policy_id: str = typer.Argument(..., metavar="ID"),
    approver: str = typer.Option(..., "--approver", help="Email of the person approving."),
    review_months: int = typer.Option(
        None,
        "--review-months",
        help="Months until the next review (default: the policy's reviewFrequencyMonths, 12).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve the latest version of a policy; approving again records a periodic review."""
    with context.backend() as backend:
        item = backend.approve_policy(policy_id, approver=approver, review_months=review_months)
    console.emit(
        {"policy": item},
        as_json,
        lambda: console.out().print(
            f"[green]Approved[/green] [bold]{_esc(item['title'])}[/bold] version "
            f"{item['version']} by {_esc(item['approvedBy'])}; next review "
            f"{item['nextReviewAt'][:10]}"
        ),
    )


@app.command("download")
def download(
    policy_id: str = typer.Argument(..., metavar="ID"),
    fmt: str = typer.Option("md", "--format", help="md or pdf."),
    output: str = typer.Option(
        None,
        "--output",
        "-o",
        help="File or directory to write (default: TEMPLATE-vN.md|pdf here); '-' for stdout.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Download a policy as Markdown or as a PDF with title page and revision history."""
    from sentinel_cli.cli.files import write_document
    from sentinel_cli.errors import InvalidInput

    with context.backend() as backend:
        doc = backend.download_policy(policy_id, format=fmt)
    if output == "-":
        if doc.media_type == "application/pdf" and sys.stdout.isatty():
            raise InvalidInput(
                "refusing to write a PDF to the terminal",
                hint="redirect standard output to a file, or pass --output FILE.pdf",
            )
        sys.stdout.buffer.write(doc.content)
        sys.stdout.flush()
        return
    path = write_document(doc, output, force=force)
    console.line(f"Wrote [bold]{_esc(str(path))}[/bold] ({len(doc.content):,} bytes)")


@profile_app.command("set")
def profile_set(
    pairs: list[str] = typer.Argument(..., metavar="NAME=VALUE..."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Save company-wide field values used by every policy (e.g. companyName=Acme)."""
    from sentinel_cli.operations.policies import parse_assignments

    values = parse_assignments(pairs, option="profile set")
    with context.backend() as backend:
        profile = backend.set_profile(values=values)
    _emit_profile(profile, as_json)


@profile_app.command("show")
def profile_show(as_json: bool = JSON_OPTION) -> None:
    """Show the saved company profile."""
    with context.backend() as backend:
        profile = backend.get_profile()
    _emit_profile(profile, as_json)


@profile_app.command("unset")
def profile_unset(
    key: str = typer.Argument(..., metavar="NAME"), as_json: bool = JSON_OPTION
) -> None:
    """Remove one field from the company profile."""
    with context.backend() as backend:
        profile = backend.unset_profile(key)
    _emit_profile(profile, as_json)


def _emit_profile(profile: dict[str, Any], as_json: bool) -> None:
    console.emit(
        {"profile": profile},
        as_json,
        lambda: console.table(
            "Company profile",
            ["Field", "Value"],
            sorted(profile.items()),
            empty="The company profile is empty: sentinel policies profile set companyName=...",
        ),
    )
