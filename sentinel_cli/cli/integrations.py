"""``sentinel integrations``: connect, list, remove integrations and list their collection jobs.

Each command runs through ``context.backend()``: the local store, or the server logged in to (a
connect then sends the credentials to the server, which stores them in its own secrets backend).
"""

from __future__ import annotations

import os
from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(help="Connect AWS accounts and GitHub organisations, list and remove them.")
connect_app = typer.Typer(help="Connect an AWS account or a GitHub organisation.")
app.add_typer(connect_app, name="connect")


def _render_integration(item: dict[str, Any]) -> None:
    from rich.markup import escape

    target = item.get("accountId") or item.get("orgName")
    where = f" ({escape(target)})" if target else ""
    console.out().print(
        f"[green]Connected[/green] {item['type']} integration [bold]{escape(item['name'])}[/bold]"
        f"{where} with id [cyan]{item['id']}[/cyan]"
    )
    console.line("Next: [bold]sentinel collect --integration " + item["id"] + "[/bold]")


@connect_app.command("aws")
def connect_aws(
    name: str = typer.Option(
        None, "--name", help="A name for this account, e.g. 'Production AWS'."
    ),
    region: str = typer.Option("us-east-1", "--region", help="Default (home) region."),
    regions: str = typer.Option(
        None, "--regions", help="Comma list of regions to collect (default: all enabled regions)."
    ),
    access_key_id: str = typer.Option(None, "--access-key-id", help="Access key id."),
    secret_access_key: str = typer.Option(
        None,
        "--secret-access-key",
        help="Secret access key (prefer the prompt or --secret-access-key-stdin: arguments are "
        "visible to other users in the process list).",
    ),
    secret_stdin: bool = typer.Option(
        False, "--secret-access-key-stdin", help="Read the secret access key from standard input."
    ),
    profile: str = typer.Option(None, "--profile", help="Use a named AWS profile."),
    role_arn: str = typer.Option(
        None, "--role-arn", help="Assume this role from the base credentials."
    ),
    external_id: str = typer.Option(
        None,
        "--external-id",
        help="External id for --role-arn (with --organization: for the member roles).",
    ),
    organization: bool = typer.Option(
        False,
        "--organization",
        help="These are an AWS organisation's management-account credentials: collect every "
        "ACTIVE account of the organisation, members through --member-role.",
    ),
    member_role: str = typer.Option(
        None,
        "--member-role",
        metavar="NAME",
        help="With --organization: the role assumed in each member account "
        "(arn:aws:iam::<account>:role/NAME).",
    ),
    endpoint_url: str = typer.Option(
        None,
        "--endpoint-url",
        help="AWS-compatible endpoint (LocalStack, moto). AWS_ENDPOINT_URL also works.",
    ),
    no_verify: bool = typer.Option(
        False, "--no-verify", help="Skip the STS GetCallerIdentity check of the credentials."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Connect an AWS account (access keys, --profile, --role-arn, or the default credential chain),
    or a whole AWS organisation (--organization --member-role NAME)."""
    if secret_stdin:
        secret_access_key = context.read_stdin_secret("secret access key")
    elif access_key_id and not secret_access_key:
        secret_access_key = typer.prompt("Secret access key", hide_input=True)
    with context.backend() as backend:
        item = backend.connect_aws(
            name=name,
            region=region,
            regions=regions,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            profile=profile,
            role_arn=role_arn,
            external_id=external_id,
            endpoint_url=endpoint_url,
            verify=not no_verify,
            organization=organization,
            member_role_name=member_role,
        )
    console.emit({"integration": item}, as_json, lambda: _render_integration(item))


@connect_app.command("github")
def connect_github(
    org: str = typer.Option(None, "--org", help="The GitHub organisation login, e.g. acme."),
    name: str = typer.Option(None, "--name", help="A name, e.g. 'Production GitHub'."),
    token: str = typer.Option(
        None, "--token", help="Token (prefer --token-stdin or GITHUB_TOKEN: arguments are visible)."
    ),
    token_stdin: bool = typer.Option(
        False, "--token-stdin", help="Read the token from standard input."
    ),
    base_url: str = typer.Option(
        None, "--base-url", help="API URL for GitHub Enterprise Server or a compatible API."
    ),
    allow_outside_collaborator: list[str] = typer.Option(
        None,
        "--allow-outside-collaborator",
        help="Expected outside collaborator login (repeatable).",
    ),
    allow_public_repo: list[str] = typer.Option(
        None, "--allow-public-repo", help="Repository expected to be public (repeatable)."
    ),
    review_period_days: int = typer.Option(
        None,
        "--review-period-days",
        help="Default audit period for change-review evidence, in days (default 90).",
    ),
    no_verify: bool = typer.Option(
        False, "--no-verify", help="Skip reading the org to check the token."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Connect a GitHub organisation with a token (classic or fine-grained, read access)."""
    if token_stdin:
        token = context.read_stdin_secret("token")
    github_token = token or os.environ.get("GITHUB_TOKEN")
    with context.backend() as backend:
        item = backend.connect_github(
            org=org,
            token=github_token,
            name=name,
            base_url=base_url,
            verify=not no_verify,
            allowed_outside_collaborators=list(allow_outside_collaborator or []),
            allowed_public_repositories=list(allow_public_repo or []),
            review_period_days=review_period_days,
        )
    console.emit({"integration": item}, as_json, lambda: _render_integration(item))


@app.command("list")
def list_integrations(as_json: bool = JSON_OPTION) -> None:
    """List integrations with status, last sync time and evidence count."""
    with context.backend() as backend:
        items = backend.list_integrations()
    console.emit(
        {"integrations": items},
        as_json,
        lambda: console.table(
            "Integrations",
            ["ID", "Type", "Name", "Target", "Status", "Last sync", "Evidence"],
            [
                (
                    i["id"][:8],
                    i["type"],
                    i["name"],
                    i.get("accountId") or i.get("orgName") or "",
                    console.styled(i["status"]),
                    i["lastSyncAt"] or "never",
                    i["evidenceCount"],
                )
                for i in items
            ],
            empty="No integrations yet. Connect one: sentinel integrations connect aws|github --help",
            caption="IDs are shortened; any unique prefix works, --json shows them whole.",
        ),
    )


@app.command("show")
def show_integration(
    integration_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JSON_OPTION
) -> None:
    """Show one integration's settings (never its secret)."""
    with context.backend() as backend:
        item = backend.get_integration(integration_id)

    def render() -> None:
        console.table(
            item["name"],
            ["Field", "Value"],
            [(k, v) for k, v in item.items() if v not in (None, [], {})],
        )

    console.emit({"integration": item}, as_json, render)


@app.command("remove")
def remove_integration(
    integration_id: str = typer.Argument(..., metavar="ID"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove an integration and delete its secret. Evidence already collected is kept."""
    with context.backend() as backend:
        item = backend.remove_integration(integration_id)
    console.emit(
        {"integration": item},
        as_json,
        lambda: console.out().print(
            f"Removed {item['type']} integration [bold]{item['name']}[/bold]"
        ),
    )


def _counts(job: dict[str, Any]) -> tuple[Any, ...]:
    """PASS, FAIL, WARNING and ERROR counts; blank while the job runs or waits (not known yet,
    rather than zero)."""
    if job["status"] == "RUNNING":
        return ("", "", "", "")
    return (job["passCount"], job["failCount"], job["warningCount"], job["errorCount"])


@app.command("jobs")
def list_jobs(
    integration_id: str = typer.Argument(..., metavar="ID"),
    limit: int = typer.Option(20, "--limit", help="How many recent jobs to show."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List an integration's collection jobs, newest first."""
    with context.backend() as backend:
        jobs = backend.list_jobs(integration_id, limit=limit)
    console.emit(
        {"jobs": jobs},
        as_json,
        lambda: console.table(
            "Collection jobs",
            [
                "Job",
                "Status",
                "Trigger",
                "Started",
                "Duration",
                "Pass",
                "Fail",
                "Warn",
                "Error",
                "Message",
            ],
            [
                (
                    j["id"][:8],
                    "queued"
                    if j["status"] == "RUNNING" and not j.get("startedAt")
                    else console.styled(j["status"]),
                    j.get("trigger") or "",
                    j.get("startedAt") or f"queued {j.get('queuedAt') or ''}".strip(),
                    f"{j['durationSeconds']:.1f}s" if j["durationSeconds"] is not None else "",
                    *_counts(j),
                    j["errorMessage"] or "",
                )
                for j in jobs
            ],
            empty="No collections yet: run sentinel collect",
        ),
    )
