"""The JSON shapes that cross the wire, declared once: the API's ``data`` objects and ``--json``.

The operations build these (camelCase, never a secret), the API returns them in its envelope and
the CLI prints them, so each key is a contract named in one place. They are ``TypedDict``s: plain
dicts at run time, checked by mypy where they are built and read. A key that only some objects
carry is ``NotRequired``; ``X | None`` is a key always present that may be ``null``. Objects whose
keys are data rather than contract (settings, raw evidence, report summaries) are ``JsonObject``.
The values the contract enumerates (statuses, severities, the spec's report types) are defined here
once, with the frameworks each audit report covers and the policy-template key kept from before
frameworks were data: the only framework names in the code (frameworks are files).

Part of the base layer, so every layer may import it: it imports nothing but ``typing`` (the CLI's
start-up budget). No ``from __future__ import annotations``: ``NotRequired`` must be seen at run
time for ``__required_keys__`` to be right.
"""

from typing import Any, NotRequired, TypedDict

JsonObject = dict[str, Any]
"""A free-form JSON object: keys that are data, not a contract (AWS and GitHub API documents,
settings, raw evidence)."""


# -- the values of the contract -------------------------------------------------------------------

STATUSES: tuple[str, ...] = ("PASS", "FAIL", "WARNING", "ERROR")
"""An evidence item's status, best first (ERROR: could not be evaluated)."""
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
"""A check's severity, worst first."""
REPORT_TYPES: tuple[str, ...] = (
    "SOC2_AUDIT",
    "ISO27001_AUDIT",
    "COMBINED_AUDIT",
    "EXECUTIVE_SUMMARY",
)
"""The spec's report types."""
NOTIFY_EVENTS: tuple[str, ...] = (
    "new-failures",
    "fixed",
    "collection-failed",
    "exception-expiring",
    "policy-review-due",
    "limit-reached",
)
"""What a notification destination can ask to hear about (``--on``); all of them by default."""
AUDIT_FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "SOC2_AUDIT": ("SOC2",),
    "ISO27001_AUDIT": ("ISO27001",),
    "COMBINED_AUDIT": ("SOC2", "ISO27001"),
}
"""The frameworks each audit report walks control by control (a plan must include them to offer
the report). The report types name them, so this is the one place code names a framework; the
executive summary scores every framework and needs none."""


# -- integrations and collection jobs ------------------------------------------------------------


class AwsIntegrationFields(TypedDict, total=False):
    """The keys only an AWS integration carries."""

    accountId: str | None
    region: str | None
    regions: list[str] | None
    credentialSource: str | None
    profile: str | None
    roleArn: str | None
    externalId: str | None
    endpointUrl: str | None
    accessKeyId: str | None
    """Masked: ``****`` and the last four characters."""
    organization: bool
    """An AWS Organizations connection: ``accountId`` is the management account, and every
    ACTIVE account of the organisation is collected (members through ``memberRoleName``)."""
    memberRoleName: str | None


class GithubIntegrationFields(TypedDict, total=False):
    """The keys only a GitHub integration carries."""

    orgName: str | None
    baseUrl: str | None


class Integration(AwsIntegrationFields, GithubIntegrationFields):
    """A connected AWS account or GitHub organisation (the provider's keys are those of its type)."""

    id: str
    type: str
    name: str
    status: str
    lastSyncAt: str | None
    evidenceCount: int
    createdAt: str
    updatedAt: str
    lastJobId: str | None
    lastError: str | None
    settings: JsonObject


class JobProgress(TypedDict):
    done: int
    total: int
    step: str


class Job(TypedDict):
    """A collection job and its counts."""

    id: str
    integrationId: str
    status: str
    trigger: str | None
    """How it was started: ``cli``, ``api``, ``web`` or ``schedule``."""
    queuedAt: str
    """When the job was recorded; a queued job keeps ``status`` RUNNING and ``startedAt`` null
    until a worker takes it."""
    startedAt: str | None
    finishedAt: str | None
    periodStart: str | None
    periodEnd: str | None
    totalCount: int
    passCount: int
    failCount: int
    warningCount: int
    errorCount: int
    score: float | None
    apiCalls: int
    durationSeconds: float | None
    errorMessage: str | None
    progress: JobProgress | None
    """Steps done of the total while the collection runs (None before its first step)."""
    retryOf: str | None
    """The interrupted job (its worker stopped) that this one runs again."""


# -- evidence -------------------------------------------------------------------------------------


class Remediation(TypedDict):
    text: str
    cli: str | None


class ControlRef(TypedDict):
    """A control named with its title (``None`` for an id the framework does not define)."""

    id: str
    title: str | None


class ExceptionRef(TypedDict):
    """The risk exception that covers an evidence item."""

    id: str
    reason: str
    owner: str
    expiresAt: str


class EvidenceItem(TypedDict):
    """One evidence item as listings show it."""

    id: str
    integrationId: str
    jobId: str
    checkId: str
    title: str
    status: str
    severity: str
    category: str
    resourceId: str
    resourceType: str
    region: str | None
    accountId: str | None
    """The AWS account the item is about (a member account for an organisation); None for GitHub."""
    collectedAt: str
    message: str
    controls: dict[str, list[str]]
    """Framework id -> control ids; every framework present."""
    remediation: Remediation
    excepted: bool
    exception: ExceptionRef | None
    sha256: str


class EvidenceVersion(TypedDict):
    """An earlier observation of the same check on the same resource."""

    evidenceId: str
    jobId: str
    collectedAt: str
    status: str
    sha256: str


class EvidenceDetail(EvidenceItem):
    """One item in full (``evidence show``, ``GET /api/evidence/:id``)."""

    rawData: Any
    description: str
    controlDetails: dict[str, list[ControlRef]]
    current: bool
    history: list[EvidenceVersion]


class EvidenceData(TypedDict):
    evidence: EvidenceDetail


class Pagination(TypedDict):
    total: int
    limit: int | None
    """``None``: every item (``--all``, export formats)."""
    offset: int


class Gate(TypedDict):
    """The CI gate's verdict over every matching item, not just the page."""

    failOn: list[str]
    failing: int


class EvidencePage(TypedDict):
    """``GET /api/evidence``: a page of items; ``gate`` only when ``failOn`` was asked."""

    evidence: list[EvidenceItem]
    pagination: Pagination
    gate: NotRequired[Gate]


class CollectionRef(TypedDict):
    """A collection job whose evidence a view counts."""

    integrationId: str
    jobId: str
    finishedAt: str


class EvidenceStats(TypedDict):
    """Counts of the current items (``GET /api/evidence/stats``). ``byStatus`` is keyed by status;
    ``byCategory`` and ``bySeverity`` map to ``total``, each status and ``excepted``."""

    total: int
    byStatus: dict[str, int]
    byCategory: dict[str, dict[str, int]]
    bySeverity: dict[str, dict[str, int]]
    excepted: int
    asOf: str | None
    collections: list[CollectionRef]


# -- risk exceptions ------------------------------------------------------------------------------


class RiskException(TypedDict):
    """An accepted risk; ``state`` is ACTIVE, EXPIRED or REMOVED at the moment asked."""

    id: str
    checkId: str
    resourcePattern: str
    reason: str
    owner: str
    expiresAt: str
    createdAt: str
    createdBy: str | None
    removedAt: str | None
    state: str


class ExceptionData(TypedDict):
    exception: RiskException


class ExceptionList(TypedDict):
    exceptions: list[RiskException]


# -- the check catalogue --------------------------------------------------------------------------


class CheckInfo(TypedDict):
    """One check of the catalogue."""

    id: str
    provider: str
    title: str
    description: str
    severity: str
    category: str
    controls: dict[str, list[str]]
    remediation: Remediation
    aliases: list[str]
    thresholds: list[str]


class CheckDetail(CheckInfo):
    controlDetails: dict[str, list[ControlRef]]


class CheckList(TypedDict):
    checks: list[CheckInfo]
    total: int


class CheckData(TypedDict):
    check: CheckDetail


# -- policies -------------------------------------------------------------------------------------


class TemplateField(TypedDict):
    """A field a policy template asks for."""

    name: str
    type: str
    required: bool
    default: Any
    description: str


class PolicyTemplateClauses(TypedDict):
    iso27001Clauses: list[str]
    """``clauses["ISO27001"]`` under the key scripts read before ``clauses`` existed."""


def policy_template_clauses(clauses: dict[str, list[str]]) -> PolicyTemplateClauses:
    """The keys a policy template carries besides ``clauses`` for the frameworks it had first."""
    return {"iso27001Clauses": list(clauses.get("ISO27001", []))}


class PolicyTemplate(PolicyTemplateClauses):
    id: str
    title: str
    description: str
    version: str
    category: str
    controls: dict[str, list[str]]
    """Framework id -> the controls the policy satisfies; every framework present."""
    clauses: dict[str, list[str]]
    """Framework id -> requirements outside its controls (ISO 27001's management-system clauses)."""
    fields: list[TemplateField]


class PolicyRevision(TypedDict):
    """One version of a policy in its template's history."""

    id: str
    version: int
    status: str
    templateVersion: str
    createdAt: str
    approvedBy: str | None
    approvedAt: str | None
    sha256: str
    missingFields: list[str]


class Policy(TypedDict):
    """A generated policy. ``data`` and ``content`` are absent from listings; ``revisions`` is
    present when one policy is read."""

    id: str
    templateId: str
    templateVersion: str
    title: str
    version: int
    status: str
    owner: str | None
    approvedBy: str | None
    approvedAt: str | None
    nextReviewAt: str | None
    reviewOverdue: bool
    sha256: str
    createdAt: str
    updatedAt: str
    createdBy: str | None
    missingFields: list[str]
    data: NotRequired[JsonObject]
    content: NotRequired[str]
    revisions: NotRequired[list[PolicyRevision]]


class GeneratedPolicy(TypedDict):
    policy: Policy
    warnings: list[str]


# -- reports --------------------------------------------------------------------------------------


class Report(TypedDict):
    """A generated audit report, without its content."""

    id: str
    reportType: str
    periodStart: str
    periodEnd: str
    status: str
    fileName: str | None
    size: int | None
    sha256: str | None
    pages: int | None
    createdAt: str
    completedAt: str | None
    createdBy: str | None
    errorMessage: str | None
    summary: JsonObject


class GeneratedReport(TypedDict):
    report: Report


class ReportVerification(TypedDict):
    """The verdict on a file: VERIFIED, ALTERED or UNKNOWN, and the report it was judged by."""

    verdict: str
    ok: bool
    file: str
    sha256: str
    size: int
    report: Report | None
    message: str


# -- the dashboard --------------------------------------------------------------------------------


class Overview(TypedDict):
    """Counts of the current evidence items; excepted FAIL/WARNING items count as passing."""

    totalChecks: int
    passingChecks: int
    failingChecks: int
    warningChecks: int
    errorChecks: int
    exceptedChecks: int
    complianceScore: float | None


class FrameworkScore(TypedDict):
    id: str
    name: str
    score: float | None
    totalControls: int
    coveredControls: int
    passingControls: int
    failingControls: int
    warningControls: int
    notCoveredControls: int


class CategoryScore(TypedDict):
    total: int
    passing: int
    failing: int
    warning: int
    error: int
    excepted: int
    score: float | None


class Activity(TypedDict):
    """An entry of the activity log."""

    id: str
    at: str
    action: str
    message: str
    actor: str | None
    targetType: str | None
    targetId: str | None
    details: JsonObject


class TimelinePoint(TypedDict):
    """The score of one day, as of its end (``None`` before the first collection)."""

    date: str
    score: float | None
    total: int
    passing: int
    failing: int
    warning: int


class Dashboard(TypedDict):
    """``GET /api/dashboard/stats``; ``trend`` is improving, declining or stable."""

    overview: Overview
    frameworks: list[FrameworkScore]
    categories: dict[str, CategoryScore]
    recentActivity: list[Activity]
    issues: list[EvidenceItem]
    timeline: list[TimelinePoint]
    trend: str


# -- users ----------------------------------------------------------------------------------------


class User(TypedDict):
    id: str
    email: str
    name: str | None
    role: str
    disabled: bool
    createdAt: str
    updatedAt: str
    lastLoginAt: str | None


# -- billing --------------------------------------------------------------------------------------


class Limits(TypedDict):
    """A plan's metered limits; ``None`` is unlimited."""

    integrations: int | None
    checksPerPeriod: int | None
    maxUsers: int | None


class Features(TypedDict):
    reportTypes: list[str]
    frameworks: list[str]
    apiAccess: bool


class Plan(TypedDict):
    tier: str
    name: str
    monthlyPriceUsd: int
    description: str
    limits: Limits
    features: Features


class Usage(TypedDict):
    integrations: int
    checks: int
    users: int


class Subscription(TypedDict):
    """The subscription in its current period. ``remaining`` and ``overLimit`` are keyed like
    ``usage``; ``overLimit`` lists only the metrics over the plan's limit."""

    id: str
    tier: str
    planName: str
    status: str
    active: bool
    currentPeriodStart: str
    currentPeriodEnd: str
    monthlyPriceUsd: int
    usage: Usage
    limits: Limits
    remaining: dict[str, int | None]
    overLimit: dict[str, int]
    features: Features
    createdAt: str
    updatedAt: str


class IntegrationsLimit(TypedDict):
    """``GET /api/billing/limits/integrations``: may one more integration be connected?"""

    allowed: bool
    used: int
    limit: int | None
    remaining: int | None
    tier: str
    status: str
    message: str | None


class ChecksLimit(TypedDict):
    """``GET /api/billing/limits/checks``: checks left in the period and when it resets."""

    allowed: bool
    used: int
    limit: int | None
    remaining: int | None
    periodStart: str
    resetsAt: str
    tier: str
    status: str
    message: str | None


# -- what changed between two collections -----------------------------------------------------------


class ChangedItem(TypedDict):
    """An item whose status changed since the previous collection (newly failing or fixed)."""

    evidenceId: str
    previousEvidenceId: str | None
    """The same check on the same resource in the previous collection; None when absent there."""
    checkId: str
    title: str
    severity: str
    category: str
    resourceId: str
    resourceType: str
    region: str | None
    accountId: str | None
    status: str
    previousStatus: str | None
    """None: no item with this check, resource and region in the previous collection."""
    message: str


class ResourceChange(TypedDict):
    """A resource present in one of the two collections only."""

    resourceId: str
    resourceType: str
    region: str | None
    accountId: str | None
    evidenceId: str
    """An item about it, in the collection that has it (the later one for a new resource)."""
    items: int
    failing: int
    """Its FAIL items in that collection."""


class ErroringCheck(TypedDict):
    """A check with ERROR items now and none in the previous collection."""

    checkId: str
    title: str
    severity: str
    errors: int
    evidenceId: str | None
    """Its first ERROR item."""
    message: str


class ChangeCounts(TypedDict):
    newlyFailing: int
    fixed: int
    newResources: int
    vanishedResources: int
    startedErroring: int
    excepted: int
    """FAIL items left out of ``newlyFailing`` because a risk exception in force covers them."""


class JobChanges(TypedDict):
    """``sentinel evidence changes``, ``GET /api/jobs/:id/changes``: one collection against the
    previous finished collection of the same integration. Lists are ordered by severity (worst
    first), then check and resource, cut at ``limit`` each; ``counts`` are never cut."""

    job: Job
    previousJob: Job | None
    """None for the integration's first collection: every FAIL item is then newly failing."""
    integrationName: str
    first: bool
    counts: ChangeCounts
    newlyFailing: list[ChangedItem]
    fixed: list[ChangedItem]
    startedErroring: list[ErroringCheck]
    newResources: list[ResourceChange]
    vanishedResources: list[ResourceChange]
    limit: int


class Schedule(TypedDict):
    """``sentinel schedules``, ``GET/PUT/DELETE /api/integrations/:id/schedule``: when an
    integration is collected without anyone asking. Exactly one of ``every`` (an interval in its
    largest whole unit: ``90m``, ``6h``, ``1d``) and ``cron`` (five fields, UTC) is set."""

    integrationId: str
    integrationName: str
    every: str | None
    cron: str | None
    nextRunAt: str
    lastRunAt: str | None
    lastJobId: str | None
    lastOutcome: str | None
    createdBy: str | None
    createdAt: str
    updatedAt: str


# -- notifications ----------------------------------------------------------------------------------


class NotifyDestination(TypedDict):
    """``sentinel notify list``, ``GET /api/notifications``: where messages go. ``target`` is what
    may be shown: the webhook URL, the email address, or a Slack URL with its secret path masked."""

    id: str
    kind: str
    """``slack``, ``webhook`` or ``email``."""
    target: str
    events: list[str]
    minSeverity: str | None
    """Items less severe than this are left out; an event left with no item is not sent."""
    createdBy: str | None
    createdAt: str


class NotifyAdded(TypedDict):
    """``POST /api/notifications``: the new destination and, for a webhook, its signing secret,
    shown this once (it is kept in the secrets backend and never returned again)."""

    destination: NotifyDestination
    signingSecret: str | None


class NotifyDelivery(TypedDict):
    """One message to one destination (``sentinel notify log``, ``GET
    /api/notifications/deliveries``); ``id`` is the webhook's ``X-Sentinel-Delivery``."""

    id: str
    destinationId: str
    kind: str | None
    """The destination's kind and target while it exists (None once removed)."""
    target: str | None
    event: str
    integrationId: str | None
    jobId: str | None
    status: str
    """``PENDING`` (not sent yet, or waiting for a retry), ``DELIVERED`` or ``FAILED``."""
    attempts: int
    responseStatus: int | None
    lastError: str | None
    createdAt: str
    updatedAt: str
    deliveredAt: str | None


class SmtpSettings(TypedDict):
    """``sentinel notify smtp``, ``GET/PUT /api/notifications/smtp``: the mail server email
    destinations use. The password stays in the secrets backend: only whether one is set."""

    configured: bool
    host: str | None
    port: int | None
    starttls: bool
    user: str | None
    fromAddress: str | None
    passwordSet: bool
    updatedAt: str | None


class NotifyItem(TypedDict):
    """One item of a webhook message (the issue's contract)."""

    checkId: str | None
    resourceId: str | None
    severity: str | None
    status: str
    title: str


class NotifyBody(TypedDict):
    """The JSON body of a webhook message (the issue's contract; README "Notifications")."""

    event: str
    integrationId: str | None
    jobId: str | None
    collectedAt: str | None
    counts: dict[str, int]
    items: list[NotifyItem]
    url: str | None


class Worker(TypedDict):
    """A queue worker seen alive in the last ``operations.workers.ALIVE_SECONDS`` seconds."""

    id: str
    host: str
    pid: int
    concurrency: int
    startedAt: str
    lastSeenAt: str
