"""``sentinel db status|migrate``: the local store's schema, seen and migrated as a step of its own.

Every command applies pending migrations when it opens the store, so most people never need these.
A deployment that upgrades Sentinel may want to see what an upgrade will change (``status``, which
changes nothing, not even creating a missing store) and to migrate before the new ``serve`` starts
(``migrate``). A store no command can use (not a database, unreadable or unwritable, written by a
newer Sentinel) is one error line and exit 6.

Both act on this machine's store (``SENTINEL_DB`` or ``--db``, else ``sentinel.db`` in
``SENTINEL_HOME``), also when the CLI is logged in to a server: a server's schema is not reachable
over its API, so they say on stderr which store they act on rather than refuse (run them on the
server's machine for its).

``copy`` moves a store to another database (SQLite to PostgreSQL and back, history included) and
verifies the copy; it names both ends itself (``--from``, ``--to``), so it ignores ``SENTINEL_DB``
and any login. Exit 0 when the copy is verified, 1 when the target does not match the source, 7
when the target already holds data, 6 when either database cannot be used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer

from sentinel_cli.cli import console, context
from sentinel_cli.cli.options import JSON_OPTION

if TYPE_CHECKING:
    from sentinel_cli.client.local import LocalBackend

app = typer.Typer(
    help="This machine's store: schema version and migrations; copying a store to another database."
)


def _local_backend() -> LocalBackend:
    """This machine's store, whatever the saved login; says so when one would send commands away."""
    from sentinel_cli.cli import login_state
    from sentinel_cli.client.local import LocalBackend

    settings = context.settings()
    saved = login_state.load(settings)
    if saved is not None:
        message = (
            f"logged in to {saved.server}: sentinel db acts on this machine's store "
            f"{settings.database}, not the server's"
        )
        # soft_wrap: a path cut in two cannot be copied (as console.line, on stderr).
        console.err().print(f"[yellow]{_escape(message)}[/yellow]", soft_wrap=True)
    context.warn_exposed_home(settings)
    return LocalBackend(settings)


def _escape(text: object) -> str:
    from rich.markup import escape

    return escape(str(text))


def _migration_lines(migrations: Sequence[Mapping[str, Any]]) -> None:
    """One line per migration, numbers right-aligned: ``   9  collection schedules``."""
    width = max((len(str(m["number"])) for m in migrations), default=1)
    for m in migrations:
        console.line(f"  {str(m['number']).rjust(width)}  {_escape(m['name'])}")


@app.command("status")
def status(as_json: bool = JSON_OPTION) -> None:
    """Show where the store is, its schema version and pending migrations (changes nothing)."""
    with _local_backend() as backend:
        data = backend.store_status()

    def render() -> None:
        where = _escape(data["database"])
        console.line(f"Store: {where}" + ("" if data["exists"] else " (not created yet)"))
        console.line(f"Home: {_escape(data['home'])}")
        version, latest = data["schemaVersion"], data["latestVersion"]
        if data["upToDate"]:
            console.line(f"Schema: version {version}, up to date.")
            return
        console.line(f"Schema: version {version}; this Sentinel knows up to {latest}.")
        pending = data["pending"]
        console.line(f"Pending migrations ({len(pending)}):")
        _migration_lines(pending)
        console.line(
            "Apply them with: sentinel db migrate (any command that opens the store also does)"
        )

    console.emit(data, as_json, render)


@app.command("migrate")
def migrate(as_json: bool = JSON_OPTION) -> None:
    """Apply pending migrations now, not on the next command (creates a missing store)."""
    with _local_backend() as backend:
        data = backend.migrate_store()

    def render() -> None:
        where, version = _escape(data["database"]), data["schemaVersion"]
        applied = data["applied"]
        if not applied:
            console.line(f"The store {where} is up to date (schema version {version}).")
            return
        noun = "migration" if len(applied) == 1 else "migrations"
        console.line(f"Applied {len(applied)} {noun} to {where} (schema version now {version}):")
        _migration_lines(applied)

    console.emit(data, as_json, render)


@app.command("copy")
def copy(
    source: str = typer.Option(
        ...,
        "--from",
        metavar="PATH_OR_URL",
        help="The store to copy: a SQLite file or a postgresql:// URL, at the latest schema "
        "version (it is only read).",
    ),
    target: str = typer.Option(
        ...,
        "--to",
        metavar="PATH_OR_URL",
        help="Where to copy it: a new or empty SQLite file, or the postgresql:// URL of a "
        "database without Sentinel data (its tables are created).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy a store, history included, into an empty one (SQLite <-> PostgreSQL) and verify it.

    Verified by per-table row counts and an evidence checksum, which must match (exit 1 if not).
    """
    from sentinel_cli.client.local import LocalBackend

    # Both ends are named here: neither this machine's store nor a saved login is involved.
    with (
        LocalBackend(context.settings()) as backend,
        console.step_bar("Copying", "reading the source", enabled=not as_json) as progress,
    ):
        data = backend.copy_store(source, target, progress=progress)

    def render() -> None:
        rows, seconds = data["rows"], data["seconds"]
        noun = "row" if rows == 1 else "rows"
        console.line(
            f"Copied {rows} {noun} from {_escape(data['source'])} to {_escape(data['target'])} "
            f"in {seconds:.1f} s."
        )
        console.table(
            None,
            ["Table", "Source rows", "Target rows", "Same"],
            [
                [t["table"], str(t["source"]), str(t["target"]), _mark(t["source"] == t["target"])]
                for t in data["tables"]
            ],
        )
        sums = data["evidenceChecksum"]
        console.line(f"Evidence checksum (source): {sums['source']}")
        console.line(f"Evidence checksum (target): {sums['target']}")
        if data["verified"]:
            console.line(
                "[green]Verified:[/green] every table's row count and the evidence checksum match."
            )

    console.emit(data, as_json, render)
    if not data["verified"]:
        console.error_line(
            "the copy does not match its source: " + "; ".join(data["mismatches"]),
            hint="do not use the target; empty it, copy again, and report this if it repeats",
        )
        raise typer.Exit(1)


def _mark(same: bool) -> str:
    return "yes" if same else "NO"
