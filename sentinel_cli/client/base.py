"""The ``Backend`` interface: every use case a CLI command runs, whoever carries it out.

A command asks ``cli.context.backend()`` for a backend and calls these methods; it never knows
whether ``LocalBackend`` (the operations on this machine's store) or ``RemoteBackend`` (the same
operations behind ``sentinel serve``'s REST API) answers. Both return the same plain data — the
API's ``data`` shapes — and raise the same domain errors, so output and exit codes are identical.

Where a command needs more than one operation call (collect = start + run; a policy generated
from a data file and ``--set`` pairs; the CI gate over all pages of a listing), that composition
lives in the backend method, so the two implementations stay equivalent by construction rather than
by two copies of command logic.

This module is imported at start-up by every command: it must import nothing heavy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.policies import PolicyDocument
    from sentinel_cli.operations.reports import ReportDocument, Verification

Obj = dict[str, Any]
Progress = Callable[[int, int, str], None]
ReportProgress = Callable[[str, int, int], None]
"""``progress(stage label, stages done, total stages)`` of generating a report."""
Many = str | Sequence[str] | None


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

    @abstractmethod
    def describe(self) -> Obj:
        """Where commands go: ``{"mode": "local", ...}`` or ``{"mode": "remote", ...}``."""

    # -- integrations and collection -------------------------------------------------------

    @abstractmethod
    def list_integrations(self) -> list[Obj]: ...

    @abstractmethod
    def get_integration(self, ident: str) -> Obj: ...

    @abstractmethod
    def connect_aws(
        self,
        *,
        name: str | None,
        region: str,
        regions: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        profile: str | None,
        role_arn: str | None,
        external_id: str | None,
        endpoint_url: str | None,
        verify: bool,
    ) -> Obj: ...

    @abstractmethod
    def connect_github(
        self,
        *,
        org: str | None,
        token: str | None,
        name: str | None,
        base_url: str | None,
        verify: bool,
        settings: Obj,
    ) -> Obj: ...

    @abstractmethod
    def remove_integration(self, ident: str) -> Obj: ...

    @abstractmethod
    def list_jobs(self, ident: str, *, limit: int) -> list[Obj]: ...

    @abstractmethod
    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Obj:
        """Run one collection to its end and return the finished job."""

    # -- evidence --------------------------------------------------------------------------

    @abstractmethod
    def evidence_listing(
        self,
        *,
        status: Many,
        category: Many,
        integration: str | None,
        framework: str | None,
        control: str | None,
        severity: Many,
        as_of: str | None,
        limit: str | None,
        offset: str | None,
        fail_on: str | None,
        output: str,
        all_items: bool = False,
    ) -> EvidenceListing:
        """A page (exports and ``all_items``: every item, as a stream to read before the backend
        closes) and the CI gate's verdict over *all* matching items."""

    @abstractmethod
    def get_evidence(self, ident: str) -> Obj: ...

    @abstractmethod
    def evidence_stats(self, *, integration: str | None, as_of: str | None) -> Obj: ...

    @abstractmethod
    def compliance_summary(
        self, *, framework: str | None, integration: str | None, as_of: str | None, all_ids: bool
    ) -> Obj: ...

    @abstractmethod
    def dashboard(self, *, days: str | None) -> Obj: ...

    # -- risk exceptions -------------------------------------------------------------------

    @abstractmethod
    def add_exception(
        self,
        *,
        check_id: str | None,
        resource: str | None,
        reason: str | None,
        owner: str | None,
        expires: str | None,
    ) -> Obj: ...

    @abstractmethod
    def list_exceptions(self, *, include_all: bool) -> Obj: ...

    @abstractmethod
    def remove_exception(self, ident: str) -> Obj: ...

    # -- the check catalogue ---------------------------------------------------------------

    @abstractmethod
    def list_checks(
        self,
        *,
        provider: Many,
        framework: str | None,
        control: str | None,
        severity: Many,
        category: Many,
    ) -> Obj: ...

    @abstractmethod
    def get_check(self, check_id: str) -> Obj: ...

    # -- policies --------------------------------------------------------------------------

    @abstractmethod
    def policy_templates(self) -> list[Obj]: ...

    @abstractmethod
    def generate_policy(
        self,
        *,
        template_id: str,
        data_file: str | None,
        assignments: Sequence[str],
        owner: str | None,
    ) -> Obj: ...

    @abstractmethod
    def list_policies(self, *, all_versions: bool) -> list[Obj]: ...

    @abstractmethod
    def get_policy(self, ident: str) -> Obj: ...

    @abstractmethod
    def approve_policy(self, ident: str, *, approver: str, review_months: int | None) -> Obj: ...

    @abstractmethod
    def download_policy(self, ident: str, *, format: str) -> PolicyDocument: ...

    @abstractmethod
    def get_profile(self) -> Obj: ...

    @abstractmethod
    def set_profile(self, pairs: Sequence[str]) -> Obj: ...

    @abstractmethod
    def unset_profile(self, key: str) -> Obj: ...

    # -- reports ---------------------------------------------------------------------------

    @abstractmethod
    def generate_report(
        self,
        report_type: str,
        period_start: str | None,
        period_end: str | None,
        progress: ReportProgress | None = None,
    ) -> Obj:
        """Generate and store a report: ``{"report": {...}}``. Only a local run reports stages."""

    @abstractmethod
    def list_reports(self) -> list[Obj]:
        """Every report, newest first, without content."""

    @abstractmethod
    def download_report(self, ident: str) -> ReportDocument:
        """A COMPLETED report's PDF (id or unambiguous prefix)."""

    @abstractmethod
    def verify_report_file(self, path: str) -> Verification:
        """Hash a file on this machine and judge it against the store's reports."""

    # -- billing ---------------------------------------------------------------------------

    @abstractmethod
    def subscription(self) -> Obj: ...

    @abstractmethod
    def list_plans(self) -> list[Obj]: ...

    @abstractmethod
    def limits(self, kinds: Sequence[str]) -> dict[str, Obj]:
        """``{"integrations": {...}, "checks": {...}}`` for the kinds asked."""

    @abstractmethod
    def enforce_limits(self, kinds: Sequence[str]) -> None:
        """Raise ``PlanLimitExceeded`` when one of these actions is not allowed now."""

    @abstractmethod
    def set_plan(self, tier: str) -> Obj: ...

    @abstractmethod
    def set_subscription_status(self, status: str) -> Obj: ...

    # -- users -----------------------------------------------------------------------------

    @abstractmethod
    def add_user(self, *, email: str, role: str, password: str, name: str | None) -> Obj: ...

    @abstractmethod
    def list_users(self) -> list[Obj]: ...

    @abstractmethod
    def remove_user(self, ident: str) -> Obj: ...

    @abstractmethod
    def set_role(self, ident: str, role: str) -> Obj: ...
