"""``sentinel secrets``: the secrets kept in the store (``SENTINEL_SECRETS_BACKEND=store``).

``new-key`` prints a fresh key and nothing else, so it can go straight into a secret manager,
a Docker secret or an env file (``sentinel secrets new-key > secrets.key``). Sentinel keeps no
copy: whoever runs it gives the same key to every host of the deployment.

``move --to store`` copies the secrets this machine kept so far (keyring or ``secrets.json``)
into the store, sealed with that key. It acts on this machine's backends and store, like
``users rotate-signing-key``: secrets never travel over the API, so it has no server mode.
"""

from __future__ import annotations

import typer

from sentinel_cli.cli.options import JSON_OPTION

app = typer.Typer(
    help="The key of secrets kept in the shared store (SENTINEL_SECRETS_BACKEND=store).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("new-key")
def new_key() -> None:
    """Print a new random key for SENTINEL_SECRETS_KEY (32 bytes, base64) on stdout only."""
    from sentinel_cli.secrets import new_key as make

    typer.echo(make())


@app.command("move")
def move(
    to: str = typer.Option(..., "--to", help="Where the secrets go: 'store' (the only target)."),
    source: str | None = typer.Option(
        None,
        "--from",
        help="The backend they are in now: 'file' or 'keyring' (default: the one Sentinel "
        "would pick on this machine without SENTINEL_SECRETS_BACKEND).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy this machine's secrets into the store, encrypted with SENTINEL_SECRETS_KEY.

    Integration tokens and keys, notification secrets and the token signing key are copied in
    one transaction; secrets already in the store are kept. The source is left as it was:
    remove it once every host runs with SENTINEL_SECRETS_BACKEND=store.
    """
    from sentinel_cli.cli import console, context
    from sentinel_cli.errors import InvalidInput
    from sentinel_cli.operations.store_secrets import move_to_store

    if to != "store":
        raise InvalidInput("--to must be 'store'")
    if source not in (None, "file", "keyring"):
        raise InvalidInput("--from must be 'file' or 'keyring'")
    done = move_to_store(context.settings(), source_backend=source)
    data = {"from": done.source, "moved": done.moved, "kept": done.kept, "missing": done.missing}

    def say() -> None:
        console.line(
            f"Moved {len(done.moved)} secret(s) from the {done.source} backend into the store; "
            f"{len(done.kept)} already there, kept."
        )
        for name in done.missing:
            console.line(f"  not found in the {done.source} backend: {name} (reconnect it)")

    console.emit(data, as_json, say)
