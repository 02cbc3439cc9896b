"""Numbered, append-only schema migrations. Never edit a released one: add the next number.

The first migration creates every table the product needs, so later features add columns and
indexes rather than rewriting tables. Raw evidence data lives in ``raw_blobs`` keyed by its SHA-256,
so a daily collection of an unchanged account adds only small evidence rows, not the payloads again.
Integrations are soft-deleted (``removed_at``) so evidence already collected stays reportable for the
audit periods it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str
    """The statements in SQLite's dialect; ``store.postgres_schema`` derives PostgreSQL's."""


def split_statements(sql: str) -> list[str]:
    """A migration script's statements (ours contain no triggers or semicolons in strings)."""
    return [part.strip() for part in sql.split(";") if part.strip()]


M0001_INITIAL = """
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('ADMIN', 'MEMBER', 'VIEWER')),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE integrations (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('AWS', 'GITHUB')),
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'CONNECTED',
    external_id TEXT,
    config TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT '{}',
    has_secret INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_sync_at TEXT,
    last_job_id TEXT,
    last_error TEXT,
    removed_at TEXT
);

CREATE TABLE collection_jobs (
    id TEXT PRIMARY KEY,
    integration_id TEXT NOT NULL REFERENCES integrations(id),
    status TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'PARTIAL', 'FAILED')),
    trigger TEXT NOT NULL DEFAULT 'cli',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    period_start TEXT,
    period_end TEXT,
    total_count INTEGER NOT NULL DEFAULT 0,
    pass_count INTEGER NOT NULL DEFAULT 0,
    fail_count INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    api_calls INTEGER NOT NULL DEFAULT 0,
    error_message TEXT,
    pid INTEGER,
    host TEXT
);
CREATE INDEX collection_jobs_integration ON collection_jobs (integration_id, started_at);
CREATE INDEX collection_jobs_status ON collection_jobs (status, finished_at);

CREATE TABLE raw_blobs (
    sha256 TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES collection_jobs(id),
    integration_id TEXT NOT NULL REFERENCES integrations(id),
    check_id TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PASS', 'FAIL', 'WARNING', 'ERROR')),
    severity TEXT NOT NULL,
    category TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    region TEXT,
    message TEXT NOT NULL DEFAULT '',
    remediation TEXT NOT NULL DEFAULT '{}',
    controls TEXT NOT NULL DEFAULT '{}',
    sha256 TEXT NOT NULL REFERENCES raw_blobs(sha256),
    collected_at TEXT NOT NULL
);
CREATE INDEX evidence_job_status ON evidence (job_id, status, severity);
CREATE INDEX evidence_history ON evidence (check_id, resource_id, collected_at);
CREATE INDEX evidence_integration ON evidence (integration_id, collected_at);

CREATE TABLE risk_exceptions (
    id TEXT PRIMARY KEY,
    check_id TEXT NOT NULL,
    resource_pattern TEXT NOT NULL DEFAULT '*',
    reason TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    removed_at TEXT
);
CREATE INDEX risk_exceptions_check ON risk_exceptions (check_id);

CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    title TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'APPROVED', 'ARCHIVED')),
    owner TEXT,
    approved_by TEXT,
    approved_at TEXT,
    next_review_at TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT,
    UNIQUE (template_id, version)
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('GENERATING', 'COMPLETED', 'FAILED')),
    file_name TEXT,
    content BLOB,
    size INTEGER,
    sha256 TEXT,
    pages INTEGER,
    summary TEXT NOT NULL DEFAULT '{}',
    error_message TEXT,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    created_by TEXT
);
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED')),
    current_period_start TEXT NOT NULL,
    current_period_end TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE usage_records (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    metric TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    period_start TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source_id TEXT
);
CREATE INDEX usage_records_period ON usage_records (subscription_id, period_start, metric);

CREATE TABLE activity (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    message TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_at ON activity (at);

CREATE TABLE kv_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL
) WITHOUT ROWID;
"""

# Migration 2: what reading evidence back at scale needs (1M items over 100 collections).
# - evidence_current replaces evidence_job_status: every current-state query starts with "the items
#   of these few jobs", then filters on status / severity / check and orders by status, severity,
#   check and resource. All of those are in the index (rank expressions over status and severity
#   are computed from it), so a page of rowids and every count come from the index alone.
# - evidence_check_counts: per job, per check, per (status, severity, category, controls) item
#   counts, kept by EvidenceRepo.insert_many in the same transaction as the items. Stats, the
#   compliance summary, the dashboard and the framework/control filters read this (tens of rows per
#   job) instead of the items (thousands per job); existing items are counted here once.
M0002_EVIDENCE_QUERIES = """
DROP INDEX IF EXISTS evidence_job_status;
CREATE INDEX evidence_current ON evidence (job_id, status, severity, check_id, resource_id);

CREATE TABLE evidence_check_counts (
    job_id TEXT NOT NULL REFERENCES collection_jobs(id),
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    category TEXT NOT NULL,
    controls TEXT NOT NULL,
    title TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (job_id, check_id, status, severity, category, controls)
) WITHOUT ROWID;
INSERT INTO evidence_check_counts
    (job_id, check_id, status, severity, category, controls, title, count)
SELECT job_id, check_id, status, severity, category, controls, MAX(title), COUNT(*)
FROM evidence GROUP BY job_id, check_id, status, severity, category, controls
"""

# Migration 3: a DRAFT policy may be generated before every required field is known; the names of
# the fields shown as placeholders are kept with the row (a JSON list), so listing a policy says
# what is missing without re-rendering it and approval can refuse it. Rows written before this
# migration could only be generated complete, so '[]' is true of every one of them.
M0003_POLICY_MISSING_FIELDS = """
ALTER TABLE policies ADD COLUMN missing_fields TEXT NOT NULL DEFAULT '[]'
"""

# Migration 4: token lifecycle. A token whose ``iat`` is before its user's ``tokens_valid_after``
# (Unix seconds with a fraction) is refused: a password change, role change or disable sets it to
# the moment of the change, and re-enabling leaves it, so old tokens stay dead. ``revoked_tokens``
# holds single tokens ended by logout until they would have expired anyway.
M0004_TOKEN_LIFECYCLE = """
ALTER TABLE users ADD COLUMN tokens_valid_after REAL NOT NULL DEFAULT 0;
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""

# Migration 5: web dashboard sessions (``sentinel serve``'s pages). The browser holds a random
# session id; only its SHA-256 is stored, so a copy of the database cannot sign anyone in. A session
# follows the token rules: refused once its user is gone (the row goes with them), disabled, or has
# ``tokens_valid_after`` after the session's ``created_at`` (password or role change, disable), and
# once the signing key is rotated (``key_generation`` is the ``kv_settings`` value of the key's
# generation when the session began). Sign-out deletes the row; expired rows are pruned at sign-in.
M0005_WEB_SESSIONS = """
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    key_generation TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at)
"""

# Migration 6: how far a running collection is (steps done of the total, and the step last
# finished), written by the collection as it goes so a web page or an API client can show progress
# of a job that runs in another thread or process.
M0006_JOB_PROGRESS = """
ALTER TABLE collection_jobs ADD COLUMN progress_done INTEGER;
ALTER TABLE collection_jobs ADD COLUMN progress_total INTEGER;
ALTER TABLE collection_jobs ADD COLUMN progress_step TEXT
"""

# Migration 7: the AWS account of each item (AWS Organizations: one integration, many accounts).
# Single-account AWS items get the integration's account id (its ``external_id``, recorded when
# connect verified the credentials); GitHub items, and AWS ones connected unverified, stay NULL.
# ``evidence_account`` serves ``--account``: it is ``evidence_current`` with the account after the
# job, so a page, its counts and the per-check counts of one account come from the index as they
# do without the filter. It is partial: GitHub items (no account) cost no index entries.
M0007_EVIDENCE_ACCOUNT = """
ALTER TABLE evidence ADD COLUMN account_id TEXT;
UPDATE evidence SET account_id = (
    SELECT i.external_id FROM integrations i WHERE i.id = evidence.integration_id
) WHERE integration_id IN (
    SELECT id FROM integrations WHERE type = 'AWS' AND external_id IS NOT NULL
);
CREATE INDEX evidence_account ON evidence
    (job_id, account_id, status, severity, check_id, resource_id) WHERE account_id IS NOT NULL
"""

# Migration 8: collections run by queue workers (``sentinel worker``, or the one ``serve`` embeds).
# ``started_at`` keeps meaning "when the job was recorded" (its sort key; shown as ``queuedAt``);
# ``run_started_at`` is when a process began collecting (``startedAt``: NULL while queued; the
# time the evidence is "collected at"). A queued job (``queued`` = 1) is run under a lease: the
# worker that takes it writes ``lease_owner`` and pushes ``lease_expires_at`` (Unix seconds) ahead
# while it works; a job whose lease expired is ended FAILED ("interrupted") by any worker's reaper
# and, on its first ``attempt``, re-run once as a new job (``retry_of``). Jobs a local CLI runs keep
# the pid/host rule. ``run_options`` (JSON: since, until) lets a re-run collect the same period;
# ``actor`` who started it; ``failure_kind`` tells notifications a plan refusal ('limit') from an
# interruption ('interrupted') or any other failure ('error').
M0008_QUEUED_JOBS = """
ALTER TABLE collection_jobs ADD COLUMN run_started_at TEXT;
UPDATE collection_jobs SET run_started_at = started_at;
ALTER TABLE collection_jobs ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collection_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE collection_jobs ADD COLUMN lease_expires_at REAL;
ALTER TABLE collection_jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE collection_jobs ADD COLUMN retry_of TEXT;
ALTER TABLE collection_jobs ADD COLUMN run_options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE collection_jobs ADD COLUMN actor TEXT;
ALTER TABLE collection_jobs ADD COLUMN failure_kind TEXT;
CREATE INDEX collection_jobs_leases ON collection_jobs (lease_expires_at)
    WHERE status = 'RUNNING' AND queued = 1
"""

# Migration 9: collection schedules, one per integration: a fixed interval (``every_seconds``, at
# least 60) or a five-field cron expression in UTC, never both. ``next_run_at`` is the next slot;
# a worker claims a due schedule by moving it forward in one conditional UPDATE (so two workers
# never start the same slot) to the first slot after *now*, which is why runs missed while no
# worker ran collapse into one. ``last_*`` say how the latest scheduled run went.
M0009_SCHEDULES = """
CREATE TABLE schedules (
    integration_id TEXT PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
    every_seconds INTEGER CHECK (every_seconds IS NULL OR every_seconds >= 60),
    cron TEXT,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    last_job_id TEXT,
    last_outcome TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((every_seconds IS NULL) <> (cron IS NULL))
) WITHOUT ROWID;
CREATE INDEX schedules_due ON schedules (next_run_at)
"""

# Migration 10: notifications. A destination is where messages go (Slack incoming webhook, a
# signed generic webhook, an email address) and which events it wants; its secrets (the webhook
# signing key, the Slack URL itself) live in the secrets backend, ``target`` holds what may be shown
# (a Slack URL with its secret path masked). Each message to each destination is a delivery row,
# written PENDING before it is sent and kept as the log; deliveries keep no foreign key so the log
# outlives a removed destination. ``notify_reminders`` remembers which expiring exception or due
# policy review was announced, so each is announced once per due date.
M0010_NOTIFICATIONS = """
CREATE TABLE notify_destinations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('slack', 'webhook', 'email')),
    target TEXT NOT NULL,
    events TEXT NOT NULL,
    min_severity TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE notify_deliveries (
    id TEXT PRIMARY KEY,
    destination_id TEXT NOT NULL,
    event TEXT NOT NULL,
    integration_id TEXT,
    job_id TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX notify_deliveries_created ON notify_deliveries (created_at);
CREATE INDEX notify_deliveries_job ON notify_deliveries (job_id);
CREATE TABLE notify_reminders (
    event TEXT NOT NULL,
    item_id TEXT NOT NULL,
    due_date TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (event, item_id, due_date)
) WITHOUT ROWID
"""

# Migration 11: the queue workers that are alive. Each worker writes its row when it starts and
# refreshes ``seen_at`` (Unix seconds) every few seconds; a clean stop deletes it, a killed worker's
# row just goes stale. The dashboard and ``sentinel workers`` read it to say whether anything will
# run a queued job.
M0011_WORKERS = """
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    concurrency INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    seen_at REAL NOT NULL
) WITHOUT ROWID
"""

# Migration 12: the parts of a split collection. A large collection (an AWS organisation, a
# GitHub organisation with many repositories) is cut by the worker that takes it into parts (one
# per account, one per batch of repositories, one for the org-level reads) that any worker may
# run, each under its own lease like a job. ``result`` holds the part's slice of the inventory as
# JSON until the worker that ends the last part merges the slices and stores the evidence.
M0012_JOB_PARTS = """
CREATE TABLE job_parts (
    job_id TEXT NOT NULL REFERENCES collection_jobs(id) ON DELETE CASCADE,
    part_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
    lease_owner TEXT,
    lease_expires_at REAL,
    attempt INTEGER NOT NULL DEFAULT 1,
    result TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (job_id, part_key)
);
CREATE INDEX job_parts_leases ON job_parts (status, lease_expires_at)
"""

# Migration 13: secrets kept in the store (``SENTINEL_SECRETS_BACKEND=store``), for deployments
# whose hosts share one PostgreSQL store and so must share integration tokens and the JWT signing
# key. A row never holds a secret in clear: ``sealed`` is base64 of nonce + AES-256-GCM ciphertext
# (the secret's name is its associated data), and ``key_id`` names the key that sealed it, so a
# host given another key is told so instead of failing on the cipher.
M0013_STORED_SECRETS = """
CREATE TABLE stored_secrets (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    sealed TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", M0001_INITIAL),
    Migration(2, "evidence query indexes and per-check counts", M0002_EVIDENCE_QUERIES),
    Migration(3, "missing fields of draft policies", M0003_POLICY_MISSING_FIELDS),
    Migration(4, "token lifecycle: per-user valid-after, revoked tokens", M0004_TOKEN_LIFECYCLE),
    Migration(5, "web dashboard sessions", M0005_WEB_SESSIONS),
    Migration(6, "collection progress of running jobs", M0006_JOB_PROGRESS),
    Migration(7, "the AWS account of each evidence item", M0007_EVIDENCE_ACCOUNT),
    Migration(8, "collections run by queue workers under leases", M0008_QUEUED_JOBS),
    Migration(9, "collection schedules", M0009_SCHEDULES),
    Migration(10, "notification destinations, deliveries and reminders", M0010_NOTIFICATIONS),
    Migration(11, "queue workers that are alive", M0011_WORKERS),
    Migration(12, "parts of split collections", M0012_JOB_PARTS),
    Migration(13, "secrets kept in the store, encrypted", M0013_STORED_SECRETS),
)
