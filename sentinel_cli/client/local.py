"""``LocalBackend``: the operations called directly on this machine's store and secrets.

This is what every command did before client mode existed, moved behind the ``Backend`` interface:
one store connection per command, opened on first use (``policies templates`` and ``billing plans``
never open one) and closed when the command ends. Operations are imported inside the methods so a
command loads only the modules it uses (start-up of ``sentinel evidence list``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sentinel_cli.client.base import Backend, Many, Obj, Progress, ReportProgress

if TYPE_CHECKING:
    from sentinel_cli.config import Settings
    from sentinel_cli.operations.collect import CollectionOptions
    from sentinel_cli.operations.evidence import EvidenceListing
    from sentinel_cli.operations.policies import PolicyDocument
    from sentinel_cli.operations.reports import ReportDocument, Verification
    from sentinel_cli.secrets import SecretStore
    from sentinel_cli.store import Store


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
            from sentinel_cli.secrets import open_secrets

            self.settings.ensure_home()
            self._secrets = open_secrets(self.settings)
        return self._secrets

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def describe(self) -> Obj:
        return {
            "mode": "local",
            "home": str(self.settings.home),
            "database": str(self.settings.db_path),
        }

    # -- integrations and collection -------------------------------------------------------

    def list_integrations(self) -> list[Obj]:
        from sentinel_cli.operations import integrations

        return integrations.list_integrations(self.store)

    def get_integration(self, ident: str) -> Obj:
        from sentinel_cli.operations import integrations

        return integrations.get_integration(self.store, ident)

    def connect_aws(self, **options: Any) -> Obj:
        from sentinel_cli.operations import integrations

        return integrations.connect_aws(self.store, self.secrets, **options)

    def connect_github(self, **options: Any) -> Obj:
        from sentinel_cli.operations import integrations

        return integrations.connect_github(self.store, self.secrets, **options)

    def remove_integration(self, ident: str) -> Obj:
        from sentinel_cli.operations import integrations

        return integrations.remove_integration(self.store, self.secrets, ident)

    def list_jobs(self, ident: str, *, limit: int) -> list[Obj]:
        from sentinel_cli.operations import integrations

        return integrations.list_jobs(self.store, ident, limit=limit)

    def collect(self, target_id: str, *, options: CollectionOptions, progress: Progress) -> Obj:
        from sentinel_cli.operations import collect

        job = collect.start_collection(self.store, target_id, options=options)
        return collect.run_collection(
            self.store, self.secrets, self.settings, job["id"], options=options, progress=progress
        )

    # -- evidence --------------------------------------------------------------------------

    def evidence_listing(self, **filters: Any) -> EvidenceListing:
        from sentinel_cli.operations import evidence

        return evidence.evidence_listing(self.store, **filters)

    def get_evidence(self, ident: str) -> Obj:
        from sentinel_cli.operations import evidence

        return evidence.get_evidence(self.store, ident)

    def evidence_stats(self, *, integration: str | None, as_of: str | None) -> Obj:
        from sentinel_cli.operations import evidence

        return evidence.evidence_stats(self.store, integration=integration, as_of=as_of)

    def compliance_summary(
        self, *, framework: str | None, integration: str | None, as_of: str | None, all_ids: bool
    ) -> Obj:
        from sentinel_cli.operations import evidence

        return evidence.compliance_summary(
            self.store,
            framework=framework,
            integration=integration,
            as_of=as_of,
            evidence_ids_limit=None if all_ids else evidence.EVIDENCE_IDS_LIMIT,
        )

    def dashboard(self, *, days: str | None) -> Obj:
        from sentinel_cli.operations import dashboard

        return dashboard.dashboard(self.store, days=dashboard.parse_days(days))

    # -- risk exceptions -------------------------------------------------------------------

    def add_exception(
        self,
        *,
        check_id: str | None,
        resource: str | None,
        reason: str | None,
        owner: str | None,
        expires: str | None,
    ) -> Obj:
        from sentinel_cli.operations import exceptions

        return exceptions.add_exception(
            self.store,
            check_id=check_id,  # type: ignore[arg-type]  # None -> the operation's usage error
            resource=resource,
            reason=reason,  # type: ignore[arg-type]
            owner=owner,  # type: ignore[arg-type]
            expires=expires,  # type: ignore[arg-type]
        )

    def list_exceptions(self, *, include_all: bool) -> Obj:
        from sentinel_cli.operations import exceptions

        return exceptions.list_exceptions(self.store, include_all=include_all)

    def remove_exception(self, ident: str) -> Obj:
        from sentinel_cli.operations import exceptions

        return exceptions.remove_exception(self.store, ident)

    # -- the check catalogue ---------------------------------------------------------------

    def list_checks(
        self,
        *,
        provider: Many,
        framework: str | None,
        control: str | None,
        severity: Many,
        category: Many,
    ) -> Obj:
        from sentinel_cli.operations import checks

        return checks.list_checks(
            provider=provider,
            framework=framework,
            control=control,
            severity=severity,
            category=category,
        )

    def get_check(self, check_id: str) -> Obj:
        from sentinel_cli.operations import checks

        return checks.get_check(check_id)

    # -- policies --------------------------------------------------------------------------

    def policy_templates(self) -> list[Obj]:
        from sentinel_cli.operations import policies

        return policies.list_templates()

    def generate_policy(
        self,
        *,
        template_id: str,
        data_file: str | None,
        assignments: Sequence[str],
        owner: str | None,
    ) -> Obj:
        from sentinel_cli.operations import policies

        return policies.generate_policy(
            self.store,
            template_id=template_id,
            data_file=data_file,
            assignments=assignments,
            owner=owner,
        )

    def list_policies(self, *, all_versions: bool) -> list[Obj]:
        from sentinel_cli.operations import policies

        return policies.list_policies(self.store, all_versions=all_versions)

    def get_policy(self, ident: str) -> Obj:
        from sentinel_cli.operations import policies

        return policies.get_policy(self.store, ident)

    def approve_policy(self, ident: str, *, approver: str, review_months: int | None) -> Obj:
        from sentinel_cli.operations import policies

        return policies.approve_policy(
            self.store, ident, approver=approver, review_months=review_months
        )

    def download_policy(self, ident: str, *, format: str) -> PolicyDocument:
        from sentinel_cli.operations import policies

        return policies.download_policy(self.store, ident, format=format)

    def get_profile(self) -> Obj:
        from sentinel_cli.operations import policies

        return policies.get_profile(self.store)

    def set_profile(self, pairs: Sequence[str]) -> Obj:
        from sentinel_cli.operations import policies

        return policies.set_profile(
            self.store, policies.parse_assignments(pairs, option="profile set")
        )

    def unset_profile(self, key: str) -> Obj:
        from sentinel_cli.operations import policies

        return policies.unset_profile(self.store, key)

    # -- reports ---------------------------------------------------------------------------

    def generate_report(
        self,
        report_type: str,
        period_start: str | None,
        period_end: str | None,
        progress: ReportProgress | None = None,
    ) -> Obj:
        from sentinel_cli.operations import reports

        return reports.generate_report(
            self.store,
            report_type=report_type,
            period_start=period_start,
            period_end=period_end,
            progress=progress,
        )

    def list_reports(self) -> list[Obj]:
        from sentinel_cli.operations import reports

        items: list[Obj] = reports.list_reports(self.store)["reports"]
        return items

    def download_report(self, ident: str) -> ReportDocument:
        from sentinel_cli.operations import reports

        return reports.download_report(self.store, ident)

    def verify_report_file(self, path: str) -> Verification:
        from sentinel_cli.operations import reports

        return reports.verify_report_file(self.store, path)

    # -- billing ---------------------------------------------------------------------------

    def subscription(self) -> Obj:
        from sentinel_cli.operations import billing

        return billing.subscription(self.store)

    def list_plans(self) -> list[Obj]:
        from sentinel_cli.operations import billing

        return billing.list_plans()

    def limits(self, kinds: Sequence[str]) -> dict[str, Obj]:
        from sentinel_cli.operations import billing

        fetch = {"integrations": billing.limits_integrations, "checks": billing.limits_checks}
        return {kind: fetch[kind](self.store) for kind in kinds}

    def enforce_limits(self, kinds: Sequence[str]) -> None:
        from sentinel_cli.operations import billing

        ensure = {
            "integrations": billing.ensure_can_add_integration,
            "checks": billing.ensure_can_collect,
        }
        for kind in kinds:
            ensure[kind](self.store)

    def set_plan(self, tier: str) -> Obj:
        from sentinel_cli.operations import billing

        return billing.set_plan(self.store, tier)

    def set_subscription_status(self, status: str) -> Obj:
        from sentinel_cli.operations import billing

        return billing.set_status(self.store, status)

    # -- users -----------------------------------------------------------------------------

    def add_user(self, *, email: str, role: str, password: str, name: str | None) -> Obj:
        from sentinel_cli.operations import users

        return users.add_user(self.store, email=email, role=role, password=password, name=name)

    def list_users(self) -> list[Obj]:
        from sentinel_cli.operations import users

        return users.list_users(self.store)

    def remove_user(self, ident: str) -> Obj:
        from sentinel_cli.operations import users

        return users.remove_user(self.store, ident)

    def set_role(self, ident: str, role: str) -> Obj:
        from sentinel_cli.operations import users

        return users.set_role(self.store, ident, role)
