"""The ``Backend`` interface: every use case a CLI command runs, whoever carries it out.

A command calls a use case of the table (``operations.usecases``) by name with the operation's
keywords, ``backend.list_jobs(ident, limit=20)``, and ``run`` answers it: ``LocalBackend`` on this
machine's store, ``RemoteBackend`` as the row's HTTP request. Both return the operation's value
and raise the same domain errors, so there is no per-use-case method on either side; only a
collection followed with progress, the paged evidence listing and report verification differ.
Imported by every command at start-up: it must import nothing heavy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sentinel_cli.wire import JsonObject

if TYPE_CHECKING:
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.reports import Verification
    from sentinel_cli.operations.usecases import UseCase
    from sentinel_cli.wire import Job

Obj = JsonObject
Progress = Callable[[int, int, str], None]


class Backend(ABC):
    """What the CLI can do. Use as a context manager: ``with context.backend() as backend:``."""

    kind: str = "local"
    """``local`` or ``remote``."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release the store connection or the HTTP connection pool."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from sentinel_cli.operations.usecases import BY_NAME

        case = BY_NAME.get(name)
        if case is None or name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.run(case, case.bind(args, kwargs))

    @abstractmethod
    def run(self, case: UseCase, values: dict[str, Any]) -> Any:
        """Carry out one use case with bound parameter values; its value, or a domain error."""

    @abstractmethod
    def describe(self) -> Obj:
        """Where commands go: ``{"mode": "local", ...}`` or ``{"mode": "remote", ...}``."""

    @abstractmethod
    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Job:
        """Run one collection to its end and return the finished job."""

    @abstractmethod
    def evidence_listing(self, *, output: str, **options: Any) -> EvidenceListing:
        """A page (exports and ``all_items``: every item, as a stream to read before the backend
        closes) and the CI gate's verdict over *all* matching items. ``options``: the filters
        of ``evidence_page`` and ``limit``, ``offset``, ``fail_on``, ``all_items``."""

    @abstractmethod
    def verify_report_file(self, path: str) -> Verification:
        """Hash a file on this machine and judge it against the store's reports."""
