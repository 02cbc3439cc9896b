"""The table of use cases: each operation the CLI and the REST API offer, declared once.

A row names the operation (``module:function`` under ``sentinel_cli.operations``), its HTTP method
and path, its parameters with their wire names and where they travel (path, query or JSON body),
the key of the response's ``data`` its result sits under, the minimum role, and what the operation
needs besides its parameters (the store, the secrets backend, the acting user's email, the
caller's role: the API passes the principal's, the local CLI is the owner, ADMIN). Three things
are derived from it and from nothing else:

- ``api.routes`` registers one FastAPI route per row (validation, role check, envelope, OpenAPI);
- ``client.remote`` turns a call into that HTTP request and unwraps the answer;
- ``client.local`` calls the operation on this machine's store.

So a new endpoint with its CLI command is an operation, a row, and the command. The table holds no
imports of the operations themselves (they load on first call, which keeps ``sentinel --help``
fast) and no web framework types: parameter types are plain Python types that the API layer maps
to its schema.

Only genuinely composite behaviour stays outside: starting a collection in the background (the
server's runner) and following it, the paged evidence listing and its CI gate, report
verification (the file is hashed on the caller's machine), and authentication.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.operations.limits import MAX_SECRET_CHARS, MAX_TEXT_CHARS, check_text
from sentinel_cli.wire import REPORT_TYPES

Where = Literal["path", "query", "body", "local"]
"""``local``: a value only an in-process call can carry (a progress callback); never sent."""
Role = Literal["VIEWER", "MEMBER", "ADMIN"]
Needs = Literal["store", "secrets", "actor", "role", "egress"]

_MISSING: Any = object()


@dataclass(frozen=True)
class Param:
    """One parameter of a use case: the operation's keyword and its name on the wire."""

    name: str
    where: Where
    wire: str = ""
    type: Any = str
    """``str``, ``int``, ``bool``, ``list[str]``, ``dict[str, Any]``; ``None`` always allowed
    unless ``required``."""
    default: Any = None
    required: bool = False
    secret: bool = False
    """Kept out of ``repr`` of request bodies (logs, tracebacks)."""
    max_length: int | None = None
    """Most characters of a text value: ``body`` gives every ``str`` parameter one
    (``limits.MAX_TEXT_CHARS``, ``MAX_SECRET_CHARS`` for secrets); ``invoke`` and the API's
    body model both enforce it."""
    doc: str = ""

    @property
    def wire_name(self) -> str:
        return self.wire or self.name


def path(name: str, wire: str, doc: str = "") -> Param:
    return Param(name, "path", wire, required=True, doc=doc)


def query(name: str, wire: str = "", type: Any = str, default: Any = None, doc: str = "") -> Param:
    return Param(name, "query", wire, type, default, doc=doc)


def body(
    name: str,
    wire: str = "",
    type: Any = str,
    default: Any = None,
    *,
    required: bool = False,
    secret: bool = False,
    max_length: int | None = None,
    doc: str = "",
) -> Param:
    if max_length is None and type is str:
        max_length = MAX_SECRET_CHARS if secret else MAX_TEXT_CHARS
    return Param(name, "body", wire, type, default, required, secret, max_length, doc)


def local(name: str) -> Param:
    return Param(name, "local", type=object)


@dataclass(frozen=True)
class UseCase:
    name: str
    method: Literal["GET", "POST", "PATCH", "PUT", "DELETE"]
    path: str
    operation: str
    """``module:function`` under ``sentinel_cli.operations``."""
    role: Role
    params: tuple[Param, ...] = ()
    result: str | None = None
    """The key of ``data`` holding the operation's value; ``None``: the value is ``data``."""
    status: int = 200
    needs: frozenset[Needs] = frozenset({"store"})
    document: bool = False
    """The operation returns a file (``content``, ``filename``, ``media_type``), not JSON."""
    cached: bool = False
    """Hot read: the API answers from its response cache while the store is unchanged, and hands
    the query's raw strings to the operation (which parses them) instead of validating first."""
    background: bool = False
    """Long work: under a server it runs on a queue worker, off the web processes, and the
    request answers when the worker has finished (same status and shape as when run in place)."""
    summary: str = ""
    tag: str = ""

    def function(self) -> Callable[..., Any]:
        module, _, attr = self.operation.partition(":")
        fn: Callable[..., Any] = getattr(
            importlib.import_module(f"sentinel_cli.operations.{module}"), attr
        )
        return fn

    def params_in(self, where: Where) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == where)

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Positional arguments in parameter order, then keywords; unknown names are a bug."""
        names = [p.name for p in self.params]
        if len(args) > len(names):
            raise TypeError(f"{self.name}() takes at most {len(names)} positional arguments")
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{self.name}() got an unexpected argument {key!r}")
            if key in values:
                raise TypeError(f"{self.name}() got two values for {key!r}")
            values[key] = value
        return values


@dataclass(frozen=True)
class Context:
    """What an operation may need besides its parameters, given lazily (not every call opens the
    store or the secrets backend)."""

    store: Callable[[], Any]
    secrets: Callable[[], Any] = field(default=lambda: None)
    actor: str | None = None
    role: str | None = None
    """The caller's role, for operations whose rules depend on it (``needs`` "role")."""
    egress: EgressPolicy = UNRESTRICTED
    """Where the operation may send requests for the caller (``needs`` "egress"): a server's rule
    (``EgressPolicy.server()``), or none on the user's own machine."""


def invoke(case: UseCase, values: Mapping[str, Any], context: Context) -> Any:
    """Call the row's operation with bound parameter values (text over its maximum refused)."""
    for p in case.params:
        if p.max_length is not None and p.name in values:
            check_text(p.wire_name, values[p.name], p.max_length)
    args: list[Any] = []
    if "store" in case.needs:
        args.append(context.store())
    if "secrets" in case.needs:
        from sentinel_cli.operations.store_secrets import with_store

        # Secrets sealed in the store go through the operation's own connection and transaction.
        args.append(with_store(context.secrets(), context.store))
    kwargs = {p.name: values[p.name] for p in case.params if p.name in values}
    if "actor" in case.needs:
        kwargs["actor"] = context.actor
    if "role" in case.needs:
        kwargs["role"] = context.role
    if "egress" in case.needs:
        kwargs["egress"] = context.egress
    return case.function()(*args, **kwargs)


WRITE: frozenset[Needs] = frozenset({"store", "actor"})
WITH_SECRETS: frozenset[Needs] = frozenset({"store", "secrets", "actor"})
CONNECT: frozenset[Needs] = WITH_SECRETS | {"egress"}
NOTHING: frozenset[Needs] = frozenset()

AS_OF = query("as_of", "asOf", doc="State at the end of this date (YYYY-MM-DD)")
INTEGRATION = query("integration", "integrationId", doc="Only this integration")
ACCOUNT = query("account", "accountId", doc="Only items of this AWS account (12 digits)")
FRAMEWORK_DOC = "A framework id or alias (one per file in sentinel_cli/frameworks)"
MANY = list[str]
ENFORCE = query(
    "enforce", type=bool, default=False, doc="Answer 403 with the reason when not allowed"
)

USE_CASES: tuple[UseCase, ...] = (
    # -- integrations and jobs --------------------------------------------------------------
    UseCase(
        "list_integrations",
        "GET",
        "/api/integrations",
        "integrations:list_integrations",
        "VIEWER",
        result="integrations",
        summary="Integrations with their status, last sync time and evidence count.",
        tag="integrations",
    ),
    UseCase(
        "connect_aws",
        "POST",
        "/api/integrations/aws/connect",
        "integrations:connect_aws",
        "MEMBER",
        (
            body("name"),
            body("region", default="us-east-1"),
            body("regions", type=MANY | str),
            body("access_key_id", "accessKeyId"),
            body("secret_access_key", "secretAccessKey", secret=True),
            body("profile"),
            body("role_arn", "roleArn"),
            body("external_id", "externalId"),
            body("endpoint_url", "endpointUrl"),
            body("verify", type=bool, default=True),
            body(
                "organization",
                type=bool,
                default=False,
                doc="The credentials are an AWS organisation's management account: collect "
                "every ACTIVE account (members through memberRoleName; externalId then applies "
                "to the member roles).",
            ),
            body(
                "member_role_name",
                "memberRoleName",
                doc="With organization: the role assumed in each member account "
                "(arn:aws:iam::<account>:role/<memberRoleName>).",
            ),
        ),
        result="integration",
        status=201,
        needs=CONNECT,
        summary="Connect an AWS account (access keys, a server-side profile, a role, or the "
        "default chain), or a whole AWS organisation (organization: true).",
        tag="integrations",
    ),
    UseCase(
        "connect_github",
        "POST",
        "/api/integrations/github/connect",
        "integrations:connect_github",
        "MEMBER",
        (
            body("token", required=True, secret=True),
            body("org", "orgName", required=True),
            body("name"),
            body("base_url", "baseUrl"),
            body("verify", type=bool, default=True),
            body("allowed_outside_collaborators", "allowedOutsideCollaborators", MANY, []),
            body("allowed_public_repositories", "allowedPublicRepositories", MANY, []),
            body(
                "review_period_days",
                "reviewPeriodDays",
                int,
                doc="Default audit period for change-review evidence: 1 to 3650 days (90).",
            ),
        ),
        result="integration",
        status=201,
        needs=CONNECT,
        summary="Connect a GitHub organisation (github.com, GHES or a compatible API via baseUrl).",
        tag="integrations",
    ),
    UseCase(
        "get_integration",
        "GET",
        "/api/integrations/{integration_id}",
        "integrations:get_integration",
        "VIEWER",
        (path("integration_id", "integration_id"),),
        result="integration",
        tag="integrations",
    ),
    UseCase(
        "remove_integration",
        "DELETE",
        "/api/integrations/{integration_id}",
        "integrations:remove_integration",
        "ADMIN",
        (path("integration_id", "integration_id"),),
        result="integration",
        needs=WITH_SECRETS,
        summary="Remove an integration and its secret; its evidence stays for past audit periods.",
        tag="integrations",
    ),
    UseCase(
        "list_jobs",
        "GET",
        "/api/integrations/{integration_id}/jobs",
        "integrations:list_jobs",
        "VIEWER",
        (
            path("integration_id", "integration_id"),
            query("limit", type=int, default=20, doc="Jobs to return, newest first (1-1000)"),
        ),
        result="jobs",
        summary="The integration's collection jobs, newest first.",
        tag="integrations",
    ),
    UseCase(
        "get_job",
        "GET",
        "/api/jobs/{job_id}",
        "integrations:get_job",
        "VIEWER",
        (path("job_id", "job_id"),),
        result="job",
        tag="integrations",
    ),
    UseCase(
        "job_changes",
        "GET",
        "/api/jobs/{job_id}/changes",
        "changes:job_changes",
        "VIEWER",
        (
            path(
                "job_id",
                "job_id",
                doc="A job id (or unique prefix), or 'latest': the most recently finished "
                "collection (of integrationId when given)",
            ),
            INTEGRATION,
            query("limit", type=int, doc="Items per list (default 50, at most 1000)"),
        ),
        summary="What changed in a collection since the previous finished one of its "
        "integration: newly failing and fixed items, new and vanished resources, checks that "
        "started erroring; counts cover everything, each list is cut at limit.",
        tag="evidence",
    ),
    # -- schedules --------------------------------------------------------------------------
    UseCase(
        "list_schedules",
        "GET",
        "/api/schedules",
        "schedules:list_schedules",
        "VIEWER",
        result="schedules",
        summary="Every integration's collection schedule, soonest next run first.",
        tag="schedules",
    ),
    UseCase(
        "get_schedule",
        "GET",
        "/api/integrations/{integration_id}/schedule",
        "schedules:get_schedule",
        "VIEWER",
        (path("integration_id", "integration_id"),),
        result="schedule",
        summary="The integration's collection schedule (404 when it has none).",
        tag="schedules",
    ),
    UseCase(
        "set_schedule",
        "PUT",
        "/api/integrations/{integration_id}/schedule",
        "schedules:set_schedule",
        "MEMBER",
        (
            path("integration_id", "integration_id"),
            body(
                "every",
                doc="An interval: a whole number and a unit, m, h or d (e.g. 90m, 6h, 1d); "
                "1m to 365d.",
            ),
            body(
                "cron",
                doc="Or a five-field cron line, in UTC (e.g. '0 */6 * * *'). Give one of the two.",
            ),
        ),
        result="schedule",
        needs=WRITE,
        summary="Collect the integration on a schedule (replacing any it had); the first run is "
        "one interval from now, or the cron line's next slot. Runs missed while no worker ran "
        "make one run.",
        tag="schedules",
    ),
    UseCase(
        "remove_schedule",
        "DELETE",
        "/api/integrations/{integration_id}/schedule",
        "schedules:remove_schedule",
        "MEMBER",
        (path("integration_id", "integration_id"),),
        result="schedule",
        needs=WRITE,
        summary="Stop collecting the integration on a schedule; answers the schedule it had.",
        tag="schedules",
    ),
    # -- evidence and the dashboard ---------------------------------------------------------
    UseCase(
        "evidence_page",
        "GET",
        "/api/evidence",
        "evidence:evidence_page",
        "VIEWER",
        (
            query("status", type=MANY, doc="PASS, FAIL, WARNING, ERROR (repeat, or a comma list)"),
            query("category", type=MANY, doc="e.g. iam, encryption (repeat, or a comma list)"),
            INTEGRATION,
            ACCOUNT,
            query("framework", doc=FRAMEWORK_DOC),
            query("control", doc="e.g. CC6.1 or A.8.5"),
            query("severity", type=MANY, doc="critical, high, medium, low, info"),
            query("limit", type=int, doc="Items per page (default 50, at most 1000)"),
            query("offset", type=int, doc="Items to skip (default 0)"),
            AS_OF,
            query(
                "fail_on",
                "failOn",
                doc="Also count the matching, non-excepted items with these statuses over all "
                "pages (data.gate): e.g. FAIL,ERROR, or none",
            ),
        ),
        cached=True,
        summary="Current evidence (or as of a date), worst first, with pagination "
        "{total, limit, offset}.",
        tag="evidence",
    ),
    UseCase(
        "evidence_stats",
        "GET",
        "/api/evidence/stats",
        "evidence_stats:evidence_stats",
        "VIEWER",
        (INTEGRATION, ACCOUNT, AS_OF),
        summary="Counts of the current evidence by status, category and severity.",
        tag="evidence",
    ),
    UseCase(
        "compliance_summary",
        "GET",
        "/api/evidence/compliance",
        "compliance:compliance_summary",
        "VIEWER",
        (
            query("framework", doc=FRAMEWORK_DOC + " (required)"),
            INTEGRATION,
            ACCOUNT,
            AS_OF,
            query("all_ids", "allIds", bool, False, doc="Every evidence id per control"),
        ),
        summary="Control-by-control status of a framework, with the score.",
        tag="evidence",
    ),
    UseCase(
        "get_evidence",
        "GET",
        "/api/evidence/{evidence_id}",
        "evidence_item:get_evidence",
        "VIEWER",
        (path("evidence_id", "evidence_id"),),
        summary="One item with raw data, control mappings, remediation and history.",
        tag="evidence",
    ),
    UseCase(
        "dashboard",
        "GET",
        "/api/dashboard/stats",
        "dashboard:dashboard",
        "VIEWER",
        (query("days", type=int, doc="Days in the timeline (default 30, at most 365)"),),
        cached=True,
        summary="Overview, frameworks, categories, recent activity, issues, timeline and trend.",
        tag="dashboard",
    ),
    UseCase(
        "list_activity",
        "GET",
        "/api/activity",
        "dashboard:list_activity",
        "VIEWER",
        (query("limit", type=int, default=50, doc="Entries, newest first (1-1000)"),),
        result="activity",
        summary="The activity log: who connected, collected, generated, approved or changed what.",
        tag="dashboard",
    ),
    # -- risk exceptions --------------------------------------------------------------------
    UseCase(
        "list_exceptions",
        "GET",
        "/api/exceptions",
        "exceptions:list_exceptions",
        "VIEWER",
        (query("include_all", "all", bool, False, doc="Also expired and removed ones"),),
        summary="Exceptions in force (all=true: also expired and removed ones).",
        tag="exceptions",
    ),
    UseCase(
        "add_exception",
        "POST",
        "/api/exceptions",
        "exceptions:add_exception",
        "MEMBER",
        (
            body("check_id", "checkId", required=True),
            body("reason", required=True),
            body("owner", required=True),
            body("expires", required=True, doc="Last day covered, YYYY-MM-DD (UTC)."),
            body("resource", "resourcePattern"),
        ),
        status=201,
        needs=WRITE | {"role"},
        summary="Accept a risk: a check's FAIL/WARNING items on matching resources stop counting "
        "until expires (inclusive).",
        tag="exceptions",
    ),
    UseCase(
        "remove_exception",
        "DELETE",
        "/api/exceptions/{exception_id}",
        "exceptions:remove_exception",
        "ADMIN",
        (path("exception_id", "exception_id"),),
        needs=WRITE,
        summary="End an exception now (kept in the history).",
        tag="exceptions",
    ),
    # -- the check catalogue ----------------------------------------------------------------
    UseCase(
        "list_checks",
        "GET",
        "/api/checks",
        "checks:list_checks",
        "VIEWER",
        (
            query("provider", type=MANY, doc="AWS or GITHUB (repeat, or a comma list)"),
            query("framework", doc="Only checks mapped to this framework (id or alias)"),
            query("control", doc="Only checks mapped to this control (needs framework)"),
            query("severity", type=MANY, doc="critical, high, medium, low, info"),
            query("category", type=MANY, doc="e.g. iam, encryption, logging"),
        ),
        needs=NOTHING,
        summary="Every check Sentinel runs, filtered; each with its control mappings.",
        tag="checks",
    ),
    UseCase(
        "get_check",
        "GET",
        "/api/checks/{check_id}",
        "checks:get_check",
        "VIEWER",
        (path("check_id", "check_id"),),
        needs=NOTHING,
        summary="One check with its description, remediation and the titles of its controls.",
        tag="checks",
    ),
    # -- policies ---------------------------------------------------------------------------
    UseCase(
        "list_templates",
        "GET",
        "/api/policies/templates",
        "policies:list_templates",
        "VIEWER",
        result="templates",
        needs=NOTHING,
        summary="Policy templates with the controls each satisfies.",
        tag="policies",
    ),
    UseCase(
        "get_profile",
        "GET",
        "/api/policies/profile",
        "policies:get_profile",
        "VIEWER",
        summary="The company profile: values every policy is generated with.",
        tag="policies",
    ),
    UseCase(
        "set_profile",
        "PATCH",
        "/api/policies/profile",
        "policies:set_profile",
        "ADMIN",
        (body("values", type=dict[str, Any], required=True),),
        needs=WRITE,
        summary="Set values of the company profile (other values are kept).",
        tag="policies",
    ),
    UseCase(
        "unset_profile",
        "DELETE",
        "/api/policies/profile/{key}",
        "policies:unset_profile",
        "ADMIN",
        (path("key", "key"),),
        needs=WRITE,
        summary="Remove one value from the company profile.",
        tag="policies",
    ),
    UseCase(
        "generate_policy",
        "POST",
        "/api/policies/generate",
        "policies:generate_policy",
        "MEMBER",
        (
            body("template_id", "templateId", required=True),
            body("custom_data", "customData", dict[str, Any]),
            body("owner"),
        ),
        status=201,
        needs=WRITE,
        summary="Generate the next version (DRAFT) of a policy from a template and customData.",
        tag="policies",
    ),
    UseCase(
        "list_policies",
        "GET",
        "/api/policies",
        "policies:list_policies",
        "VIEWER",
        (query("all_versions", "allVersions", bool, False),),
        result="policies",
        summary="Each template's latest generated version (allVersions=true: every version).",
        tag="policies",
    ),
    UseCase(
        "get_policy",
        "GET",
        "/api/policies/{policy_id}",
        "policies:get_policy",
        "VIEWER",
        (path("policy_id", "policy_id"),),
        result="policy",
        tag="policies",
    ),
    UseCase(
        "approve_policy",
        "POST",
        "/api/policies/{policy_id}/approve",
        "policies:approve_policy",
        "ADMIN",
        (
            path("policy_id", "policy_id"),
            body("approver", doc="Defaults to the caller's email."),
            body("review_months", "reviewMonths", int),
        ),
        result="policy",
        needs=WRITE,
        summary="Approve the latest version (the approver defaults to the caller).",
        tag="policies",
    ),
    UseCase(
        "download_policy",
        "GET",
        "/api/policies/{policy_id}/download",
        "policies:download_policy",
        "VIEWER",
        (path("policy_id", "policy_id"), query("format", default="md", doc="md or pdf")),
        document=True,
        summary="The policy as Markdown (format=md) or PDF (format=pdf).",
        tag="policies",
    ),
    # -- reports ----------------------------------------------------------------------------
    UseCase(
        "generate_report",
        "POST",
        "/api/reports/generate",
        "reports:generate_report",
        "MEMBER",
        (
            body("report_type", "reportType", required=True),
            body("period_start", "periodStart", doc="YYYY-MM-DD (default: 90 days before end)"),
            body("period_end", "periodEnd", doc="YYYY-MM-DD (default: today, UTC)"),
            local("progress"),
        ),
        status=201,
        needs=WRITE,
        background=True,
        summary=f"Generate a {', '.join(REPORT_TYPES[:-1])} or {REPORT_TYPES[-1]} PDF "
        "(on a queue worker; the answer waits for it).",
        tag="reports",
    ),
    UseCase(
        "list_reports",
        "GET",
        "/api/reports",
        "reports:list_reports",
        "VIEWER",
        result="reports",
        summary="Generated reports, newest first (metadata only).",
        tag="reports",
    ),
    UseCase(
        "download_report",
        "GET",
        "/api/reports/{report_id}/download",
        "reports:download_report",
        "VIEWER",
        (path("report_id", "report_id"),),
        document=True,
        summary="The report's PDF, byte for byte as stored (its SHA-256 is in the report object).",
        tag="reports",
    ),
    # -- billing ----------------------------------------------------------------------------
    UseCase(
        "subscription",
        "GET",
        "/api/billing/subscription",
        "billing:subscription",
        "VIEWER",
        result="subscription",
        summary="Tier, status, billing period, usage, limits and features.",
        tag="billing",
    ),
    UseCase(
        "update_subscription",
        "PATCH",
        "/api/billing/subscription",
        "billing:update_subscription",
        "ADMIN",
        (body("tier"), body("status")),
        result="subscription",
        needs=WRITE,
        summary="Change the plan (tier) and/or the status, effective at once.",
        tag="billing",
    ),
    UseCase(
        "list_plans",
        "GET",
        "/api/billing/plans",
        "billing:list_plans",
        "VIEWER",
        result="plans",
        needs=NOTHING,
        tag="billing",
    ),
    UseCase(
        "limits_integrations",
        "GET",
        "/api/billing/limits/integrations",
        "billing:limits_integrations",
        "VIEWER",
        (ENFORCE,),
        summary="Whether one more integration may be connected.",
        tag="billing",
    ),
    UseCase(
        "limits_checks",
        "GET",
        "/api/billing/limits/checks",
        "billing:limits_checks",
        "VIEWER",
        (ENFORCE,),
        summary="Checks left in the current billing period and when it resets.",
        tag="billing",
    ),
    # -- queue workers ----------------------------------------------------------------------
    UseCase(
        "list_workers",
        "GET",
        "/api/workers",
        "workers:live_workers",
        "VIEWER",
        result="workers",
        summary="Queue workers seen alive in the last 20 seconds (they run collections the "
        "server starts, schedules and notifications).",
        tag="workers",
    ),
    # -- notifications ----------------------------------------------------------------------
    UseCase(
        "list_notifications",
        "GET",
        "/api/notifications",
        "notify:list_destinations",
        "ADMIN",
        result="destinations",
        summary="Notification destinations (Slack, webhook, email) and the events each wants.",
        tag="notifications",
    ),
    UseCase(
        "add_notification",
        "POST",
        "/api/notifications",
        "notify:add_destination",
        "ADMIN",
        (
            body("kind", required=True, doc="slack, webhook or email."),
            body("url", doc="slack and webhook: the URL messages are POSTed to."),
            body("to", doc="email: the address messages are sent to."),
            body(
                "events",
                type=MANY | str,
                doc="Events to send (default all): new-failures, fixed, collection-failed, "
                "exception-expiring, policy-review-due, limit-reached.",
            ),
            body(
                "min_severity",
                "minSeverity",
                doc="Leave out items less severe than this (critical, high, medium, low, info).",
            ),
        ),
        status=201,
        needs=CONNECT,
        summary="Add a destination. A webhook's signingSecret (the HMAC key of "
        "X-Sentinel-Signature) is in this answer only: it is never shown again.",
        tag="notifications",
    ),
    UseCase(
        "remove_notification",
        "DELETE",
        "/api/notifications/{destination_id}",
        "notify:remove_destination",
        "ADMIN",
        (path("destination_id", "destination_id"),),
        result="destination",
        needs=WITH_SECRETS,
        summary="Remove a destination and its secrets (its deliveries stay in the log).",
        tag="notifications",
    ),
    UseCase(
        "test_notification",
        "POST",
        "/api/notifications/{destination_id}/test",
        "notify:send_test",
        "ADMIN",
        (path("destination_id", "destination_id"),),
        result="delivery",
        needs=CONNECT,
        summary="Send a test message to a destination now; answers the delivery (DELIVERED, "
        "or FAILED with lastError).",
        tag="notifications",
    ),
    UseCase(
        "list_notification_deliveries",
        "GET",
        "/api/notifications/deliveries",
        "notify:list_deliveries",
        "ADMIN",
        (
            query("destination", "destinationId", doc="Only this destination's deliveries"),
            query("status", doc="PENDING, DELIVERED or FAILED"),
            query("limit", type=int, default=50, doc="Deliveries, newest first (1-1000)"),
        ),
        result="deliveries",
        summary="The delivery log: each message to each destination, its attempts and outcome.",
        tag="notifications",
    ),
    UseCase(
        "get_smtp",
        "GET",
        "/api/notifications/smtp",
        "notify:get_smtp",
        "ADMIN",
        result="smtp",
        summary="The SMTP server email destinations use (whether a password is set, never it).",
        tag="notifications",
    ),
    UseCase(
        "set_smtp",
        "PUT",
        "/api/notifications/smtp",
        "notify:set_smtp",
        "ADMIN",
        (
            body("host", required=True),
            body("port", type=int, doc="Default 587 with starttls, else 25; 465 is implicit TLS."),
            body("starttls", type=bool, default=False),
            body("user"),
            body("from_address", "fromAddress", doc="The sender of notification emails."),
            body(
                "password",
                secret=True,
                doc="Kept in the secrets backend; omit to keep the stored one (with user).",
            ),
        ),
        result="smtp",
        needs=WITH_SECRETS,
        summary="Replace the SMTP settings of email notifications.",
        tag="notifications",
    ),
    # -- users ------------------------------------------------------------------------------
    UseCase(
        "list_users",
        "GET",
        "/api/users",
        "users:list_users",
        "ADMIN",
        result="users",
        tag="users",
    ),
    UseCase(
        "add_user",
        "POST",
        "/api/users",
        "users:add_user",
        "ADMIN",
        (
            body("email", required=True),
            body("role", required=True),
            body("password", required=True, secret=True),
            body("name"),
        ),
        result="user",
        status=201,
        needs=WRITE,
        summary="Add a user (counts against the plan's user limit).",
        tag="users",
    ),
    UseCase(
        "get_user",
        "GET",
        "/api/users/{user_id}",
        "users:get_user",
        "ADMIN",
        (path("ident", "user_id"),),
        result="user",
        tag="users",
    ),
    UseCase(
        "update_user",
        "PATCH",
        "/api/users/{user_id}",
        "users:update_user",
        "ADMIN",
        (path("ident", "user_id"), body("role"), body("disabled", type=bool)),
        result="user",
        needs=WRITE,
        summary="Change a user's role and/or disable (or re-enable) them.",
        tag="users",
    ),
    UseCase(
        "set_user_password",
        "POST",
        "/api/users/{user_id}/password",
        "users:set_password",
        "ADMIN",
        (path("ident", "user_id"), body("password", required=True, secret=True)),
        result="user",
        needs=WRITE,
        summary="Set a user's password; every token they hold stops working.",
        tag="users",
    ),
    UseCase(
        "remove_user",
        "DELETE",
        "/api/users/{user_id}",
        "users:remove_user",
        "ADMIN",
        (path("ident", "user_id"),),
        result="user",
        needs=WRITE,
        tag="users",
    ),
)

BY_NAME: dict[str, UseCase] = {case.name: case for case in USE_CASES}
