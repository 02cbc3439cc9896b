"""Collections started from the API run in background threads, each with its own store connection.

``POST /api/integrations/:id/collect`` calls ``start_collection`` in the request (so a second
concurrent collection of one integration gets its 409 there, and a plan refusal its 403), answers
202 with the RUNNING job, and hands the job id to ``CollectionRunner``. The thread opens its own
connection (the request's goes back to the pool when the response is sent) and calls
``run_collection``, which records any collection failure in the job itself.

If the thread dies on something ``run_collection`` did not record (the store vanished), it marks the
job FAILED: otherwise the job would stay RUNNING under a live server pid, which crash recovery leaves
alone, and every later collect of that integration would be refused as a conflict. On shutdown the
server waits ``job_shutdown_grace`` seconds for running jobs; any still running then are left
RUNNING and marked FAILED ("interrupted") by the next ``open_store`` once this process is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.operations.collect import (
    CollectionOptions,
    run_collection,
    start_collection,
    validate_options,
)
from sentinel_cli.secrets import open_secrets
from sentinel_cli.store import Store, open_store
from sentinel_cli.timeutil import now_iso
from sentinel_cli.wire import Job

log = logging.getLogger("sentinel.api")


class CollectionRunner:
    def __init__(self, settings: Settings, egress: EgressPolicy) -> None:
        self.settings = settings
        self.egress = egress
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def begin(
        self,
        store: Store,
        integration_id: str,
        *,
        trigger: str,
        actor: str | None,
        since: str | None = None,
        until: str | None = None,
    ) -> Job:
        """Record a RUNNING job (409 while one of this integration runs, 403 past the plan) and
        run it in the background under the server's outbound rule: what the API's collect route
        and the dashboard's Collect now both do."""
        options = replace(validate_options(since=since, until=until), egress=self.egress)
        job = start_collection(store, integration_id, trigger=trigger, options=options, actor=actor)
        self.submit(job["id"], options=options, actor=actor)
        return job

    def submit(self, job_id: str, *, options: CollectionOptions, actor: str | None) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(job_id, options, actor),
            name=f"collect-{job_id[:8]}",
            daemon=True,
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, job_id: str, options: CollectionOptions, actor: str | None) -> None:
        try:
            with open_store(self.settings) as store:
                secrets = open_secrets(self.settings, announce=False)
                job = run_collection(
                    store, secrets, self.settings, job_id, options=options, actor=actor
                )
                log.info("collection job %s ended %s", job_id, job["status"])
        except Exception as exc:
            log.exception("collection job %s crashed", job_id)
            self._mark_failed(job_id, f"internal error: {type(exc).__name__}")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _mark_failed(self, job_id: str, message: str) -> None:
        try:
            with open_store(self.settings) as store, store.transaction():
                job = store.jobs.get(job_id)
                if job is not None and job["status"] == "RUNNING":
                    store.jobs.finish(
                        job_id, status="FAILED", error_message=message, finished_at=now_iso()
                    )
        except Exception:
            log.exception("cannot mark collection job %s as failed", job_id)

    def wait(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for running jobs; return how many are still running."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return 0
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return len(threads)
            threads[0].join(min(remaining, 0.5))
