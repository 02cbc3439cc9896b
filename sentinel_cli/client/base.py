"""The ``Backend`` interface: every use case a CLI command runs, whoever carries it out.

A command asks ``cli.context.backend()`` for a backend and calls a use case by name, with the
operation's own keywords: ``backend.get_integration(ident)``, ``backend.list_jobs(ident,
limit=20)``. Any name in the table of use cases (``operations.usecases``) is answered by ``run``:
``LocalBackend`` calls the operation on this machine's store, ``RemoteBackend`` sends the row's
HTTP request to ``sentinel serve``. Both return the operation's value (the API's ``data``, or the
part of it under the row's result key) and raise the same domain errors, so output and exit codes
are identical. There is no per-use-case method to write on either side.

Written by hand are only the few methods whose two sides genuinely differ: a collection followed
with progress, the paged evidence listing, report verification.

This module is imported at start-up by every command: it must import nothing heavy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
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


def use_case(name: str) -> UseCase:
    from sentinel_cli.operations.usecases import BY_NAME

    try:
        return BY_NAME[name]
    except KeyError:
        raise AttributeError(name) from None


class Backend(ABC):
    """What the CLI can do. Use as a context manager: ``with context.backend() as backend:``."""

    kind: str = "local"
    """``local`` or ``remote``."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release the store connection or the HTTP connection pool."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        case = use_case(name)
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
