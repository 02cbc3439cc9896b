"""``LocalBackend``: the operations called directly on this machine's store and secrets.

One store connection per command, opened on first use (``billing plans`` never opens one) and
closed when the command ends; a row's operation is imported when first called, so a command loads
only the modules it uses (start-up of ``sentinel evidence list``).

``store_status``, ``migrate_store`` and ``copy_store`` (``sentinel db``) exist here only: a store's
schema is the business of the machine that holds it, never of a client of its server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel_cli.client.base import Backend, Obj, Progress

if TYPE_CHECKING:
    from sentinel_cli.config import Settings
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.reports import Verification
    from sentinel_cli.operations.store_admin import StoreMigration, StoreStatus
    from sentinel_cli.operations.store_copy import StoreCopy
    from sentinel_cli.operations.usecases import UseCase
    from sentinel_cli.secrets import SecretStore
    from sentinel_cli.store import Store
    from sentinel_cli.wire import Job


class LocalBackend(Backend):
    kind = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._secrets: SecretStore | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from sentinel_cli.store import open_store

            self._store = open_store(self.settings)
        return self._store

    @property
    def secrets(self) -> SecretStore:
        if self._secrets is None:
            from sentinel_cli.operations.store_secrets import open_secrets

            self.settings.ensure_home()
            # Sealed in the store (SENTINEL_SECRETS_BACKEND=store): through this store's connection.
            store = self.store if self.settings.secrets_backend == "store" else None
            self._secrets = open_secrets(self.settings, store=store)
        return self._secrets

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def describe(self) -> Obj:
        home, database = str(self.settings.home), self.settings.database
        return {"mode": "local", "home": home, "database": database}

    def run(self, case: UseCase, values: dict[str, Any]) -> Any:
        from sentinel_cli.operations.usecases import Context, invoke

        # The local CLI is the machine's owner: an ADMIN for rules that depend on the role.
        context = Context(store=lambda: self.store, secrets=lambda: self.secrets, role="ADMIN")
        return invoke(case, values, context)

    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Job:
        from sentinel_cli.operations import collect

        job = collect.start_collection(self.store, target_id, options=options)
        ended = collect.run_collection(
            self.store, self.secrets, self.settings, job["id"], options=options, progress=progress
        )
        # Notifications of a local collection wait in the queue for a worker (serve runs one).
        from sentinel_cli.tasks.announce import announce_job

        announce_job(self.settings, self.store, ended["id"])
        return ended

    def evidence_listing(self, *, output: str, **options: Any) -> EvidenceListing:
        from sentinel_cli.operations import evidence

        return evidence.evidence_listing(self.store, output=output, **options)

    def verify_report_file(self, path: str) -> Verification:
        from sentinel_cli.operations import reports

        return reports.verify_report_file(self.store, path)

    def store_status(self) -> StoreStatus:
        """The store's schema version and pending migrations, without opening it for writing."""
        from sentinel_cli.operations import store_admin

        return store_admin.store_status(self.settings)

    def migrate_store(self) -> StoreMigration:
        """Apply the store's pending migrations; which ones ran."""
        from sentinel_cli.operations import store_admin

        return store_admin.migrate_store(self.settings)

    def copy_store(
        self, source: str, target: str, *, progress: Progress | None = None
    ) -> StoreCopy:
        """Copy the store at ``source`` into the empty store at ``target`` and verify it; both
        are named by path or URL, whatever this machine's own store is."""
        from sentinel_cli.operations import store_copy

        return store_copy.copy_store(source, target, progress=progress)
