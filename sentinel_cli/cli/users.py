"""``sentinel users``: the accounts that log in to ``sentinel serve`` (add, list, remove, set-role,
set-password), and ``rotate-signing-key``, which ends every token the server has issued.

These commands work on the local store, so the first ADMIN is created on the server machine before
(or while) the server runs; the server reads users from the same store on every request. Passwords
come from a hidden prompt with confirmation, or from standard input with ``--password-stdin`` (for
scripts), never from an argument, which other users could read in the process list.

Logged in to a server (``sentinel login``), they manage that server's users through ``/api/users``
instead, which needs the ADMIN role there. ``rotate-signing-key`` always works on this machine's
home: the signing key lives in its secrets backend, never behind the API.
"""

from __future__ import annotations

from typing import Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(help="Manage the users who log in to the REST API (sentinel serve).")

ROLE_HELP = "ADMIN, MEMBER or VIEWER."


def _say(message: str) -> None:
    from rich.markup import escape

    console.out().print(escape(message))


@app.command("add")
def add(
    email: str = typer.Option(..., "--email", help="The user's email (their login)."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    name: str = typer.Option(None, "--name", help="Display name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user; the password (at least 12 characters) is prompted for twice."""
    from sentinel_cli.operations import users

    wanted = users.parse_role(role)  # refuse a bad role before asking for a password
    if password_stdin:
        password = context.read_stdin_secret("password")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with context.backend() as backend:
        user = backend.add_user(email=email, role=wanted, password=password, name=name)
    console.emit(
        {"user": user},
        as_json,
        lambda: _say(f"Added {user['role']} {user['email']} with id {user['id']}"),
    )


@app.command("list")
def list_users(as_json: bool = JSON_OPTION) -> None:
    """List users with their role and last login."""
    with context.backend() as backend:
        items = backend.list_users()

    def render() -> None:
        console.table(
            "Users",
            ["ID", "Email", "Name", "Role", "Status", "Last login"],
            [
                (
                    u["id"][:8],
                    u["email"],
                    u["name"] or "",
                    u["role"],
                    console.styled("disabled", "dim") if u["disabled"] else "enabled",
                    u["lastLoginAt"] or "never",
                )
                for u in items
            ],
            empty="No users yet: sentinel users add --email you@example.com --role ADMIN",
        )

    console.emit({"users": items}, as_json, render)


@app.command("activity")
def activity(
    limit: int = typer.Option(50, "--limit", help="Entries to show, newest first (1-1000)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The activity log: who connected, collected, generated, approved or changed what."""
    with context.backend() as backend:
        entries = backend.list_activity(limit=limit)
    console.emit(
        {"activity": entries},
        as_json,
        lambda: console.table(
            "Activity",
            ["At (UTC)", "Actor", "Action", "What"],
            [(e["at"], e["actor"] or "", e["action"], e["message"]) for e in entries],
        ),
    )


def _emit_user(user: dict[str, Any], as_json: bool, message: str) -> None:
    console.emit({"user": user}, as_json, lambda: _say(message))


@app.command("remove")
def remove(
    ident: str = typer.Argument(..., metavar="ID|EMAIL"), as_json: bool = JSON_OPTION
) -> None:
    """Remove a user (their tokens stop working at once)."""
    with context.backend() as backend:
        user = backend.remove_user(ident)
    _emit_user(user, as_json, f"Removed {user['email']}")


@app.command("set-role")
def set_role(
    ident: str = typer.Argument(..., metavar="ID|EMAIL"),
    role: str = typer.Argument(..., metavar="ROLE", help=ROLE_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a user's role (effective at once, also for tokens already issued)."""
    with context.backend() as backend:
        user = backend.update_user(ident, role)
    _emit_user(user, as_json, f"{user['email']} is now {user['role']}")


@app.command("set-password")
def set_password(
    ident: str = typer.Argument(..., metavar="ID|EMAIL"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a user's password (prompted for twice); every token they hold stops working."""
    if password_stdin:
        password = context.read_stdin_secret("password")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with context.backend() as backend:
        user = backend.set_user_password(ident, password)
    _emit_user(user, as_json, f"Set the password of {user['email']}; their old tokens are revoked")


@app.command("rotate-signing-key")
def rotate_signing_key(as_json: bool = JSON_OPTION) -> None:
    """Replace the server's token signing key: every token issued so far stops working (running
    servers notice at once); everyone logs in again. Run it on the server's machine."""
    from sentinel_cli.api.auth import rotate_signing_key as rotate
    from sentinel_cli.cli import login_state
    from sentinel_cli.errors import InvalidInput

    settings = context.settings()
    saved = login_state.load(settings)
    if saved is not None:  # the key is the server's, in its home: never reachable over the API
        raise InvalidInput(
            f"rotate-signing-key works on this machine's server home, but you are logged in to "
            f"{saved.server}",
            hint="run it on the server's machine, or sentinel logout first to rotate this home's",
        )
    rotate(settings)
    console.emit(
        {"rotated": True},
        as_json,
        lambda: _say("Rotated the token signing key: every existing token is now refused."),
    )
