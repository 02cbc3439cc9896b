"""``sentinel login``, ``logout`` and ``whoami``: point the CLI at a Sentinel server, or back home.

``login`` exchanges an email and password for a token at ``POST /api/auth/login``; the server URL
and the user go to ``client.json`` in ``SENTINEL_HOME``, the token to the secrets backend (keyring,
or ``secrets.json`` mode 0600) under ``client-token``. From then on every data command talks to that
server (``sentinel_cli.client``), until ``logout`` forgets both, after asking the server to refuse
the token from then on (``POST /api/auth/logout``; an unreachable server does not stop it). The password comes from a hidden
prompt or ``--password-stdin``, never from an argument visible in the process list. Tokens last as
long as the server issues them for (12 hours): an expired one exits 8 with a hint to log in again.
"""

from __future__ import annotations

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION


def _say(message: str) -> None:
    """One line, never wrapped: it names a server URL, an email or the store's path."""
    from rich.markup import escape

    console.line(escape(message))


def login(
    server: str = typer.Option(
        ..., "--server", help="The server's base URL, e.g. https://sentinel.example.com."
    ),
    email: str = typer.Option(..., "--email", help="Your account's email."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Log in to a Sentinel server: every command then works on it, until sentinel logout."""
    from sentinel_cli.cli import login_state
    from sentinel_cli.client import remote
    from sentinel_cli.client.connection import TOKEN_KEY, ClientConfig
    from sentinel_cli.errors import InvalidInput
    from sentinel_cli.secrets import open_local_secrets
    from sentinel_cli.timeutil import now_iso

    url = login_state.normalize_server(server)
    address = (email or "").strip()
    if not address:
        raise InvalidInput("--email is required")
    if not login_state.is_loopback(url) and url.startswith("http://"):
        console.notice(
            "warning: http:// to another machine sends your password and token in clear; "
            "use the server's https:// address"
        )
    if password_stdin:
        password = context.read_stdin_secret("password")
    else:
        password = typer.prompt("Password", hide_input=True)
    data = remote.login(url, address, password)
    user = data["user"]
    settings = context.settings()
    settings.ensure_home()
    open_local_secrets(settings).set(TOKEN_KEY, data["token"])  # this machine's, not the store's
    saved = ClientConfig(
        server=url,
        email=user["email"],
        user_id=user.get("id"),
        role=user.get("role"),
        logged_in_at=now_iso(),
    )
    login_state.save(settings, saved)
    console.emit(
        {"server": url, "user": user},
        as_json,
        lambda: _say(
            f"Logged in to {url} as {user['email']} ({user.get('role')}). Commands now use this "
            "server; sentinel logout returns to the local store."
        ),
    )


def logout(as_json: bool = JSON_OPTION) -> None:
    """Revoke the token on the server and forget both: commands work on the local store again."""
    from sentinel_cli.cli import login_state
    from sentinel_cli.client.connection import TOKEN_KEY
    from sentinel_cli.errors import SentinelError
    from sentinel_cli.secrets import open_local_secrets

    settings = context.settings()
    try:
        saved = login_state.load(settings)
    except SentinelError:  # an unreadable client.json is removed all the same
        saved = None
    revoked = False
    if settings.home.is_dir():
        secrets = open_local_secrets(settings)
        token = secrets.get(TOKEN_KEY) if saved else None
        if saved and token:
            from sentinel_cli.client import remote

            revoked = remote.logout(saved.server, token)
        secrets.delete(TOKEN_KEY)
    login_state.clear(settings)
    server = saved.server if saved else None
    console.emit(
        {"loggedOut": server is not None, "server": server, "tokenRevoked": revoked},
        as_json,
        lambda: _say(
            f"Logged out of {server}; commands use the local store again."
            if server
            else "Not logged in; commands use the local store."
        ),
    )


def whoami(as_json: bool = JSON_OPTION) -> None:
    """Say where commands go: the server and user logged in as, or the local store."""
    with context.backend() as backend:
        info = backend.describe()
        if backend.kind == "remote":
            from sentinel_cli.client.remote import RemoteBackend

            assert isinstance(backend, RemoteBackend)
            info["user"] = backend.whoami()  # checks the token: exit 8 when it has expired

    def render() -> None:
        if info["mode"] == "remote":
            user = info["user"]
            _say(f"Logged in to {info['server']} as {user['email']} ({user['role']}).")
        else:
            _say(f"Not logged in: commands use the local store {info['database']}.")

    console.emit(info, as_json, render)
