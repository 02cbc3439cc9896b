"""Split collections: one large collection shared by every worker, on every host.

A queue worker that takes a collection runs it as today until the collector has listed what it
will read. Then, if the integration is large, it cuts the rest into *parts* (rows in the store
and tasks on the queue) that any worker may run:

- a GitHub organisation with more repositories than one batch (``SENTINEL_SPLIT_REPOS``, 50 by
  default): the org-level reads (this worker goes on with them) and one part per batch of
  repositories;
- an AWS organisation with at least ``SENTINEL_SPLIT_ACCOUNTS`` accounts (2 by default, so any
  organisation with a member): the management account (this worker goes on with it) and one
  part per member account.

A smaller integration is collected whole, exactly as before. Each part runs under its own lease;
the reaper gives a part whose worker stopped to another worker, at most three times, and then
ends it FAILED. While parts are in flight the job's lease belongs to them, so the job is never
reaped as interrupted. A part stores its slice of the inventory; the worker that ends the last
part (decided by one conditional UPDATE in the transaction that ends it, so exactly one) merges
the slices into the inventory the whole collection would have fetched and ends the job through
``collect.finish_collection``, as every collection ends: checks once, then one transaction that
writes all evidence. A part that failed for good yields ERROR items for what it should have read
(fetch errors of its scope), so the job ends PARTIAL, not FAILED.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from sentinel_cli.config import Settings
from sentinel_cli.inventory.fetch import FetchError
from sentinel_cli.inventory.serial import inventory_from_json, inventory_to_json
from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.operations.collect import (
    CollectionOptions,
    Progress,
    aws_credentials,
    check_settings_for,
    credentials_secret,
    fail_job,
    finish_collection,
    github_config,
)
from sentinel_cli.operations.integrations import resolve_integration
from sentinel_cli.operations.shapes import job_shape
from sentinel_cli.secrets import SecretStore
from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso, parse_iso, to_iso
from sentinel_cli.wire import Job

log = logging.getLogger("sentinel.split")

ENV_SPLIT_REPOS = "SENTINEL_SPLIT_REPOS"
ENV_SPLIT_ACCOUNTS = "SENTINEL_SPLIT_ACCOUNTS"
DEFAULT_SPLIT_REPOS = 50
DEFAULT_SPLIT_ACCOUNTS = 2
MAX_PART_ATTEMPTS = 3
PART_INTERRUPTED = "its worker stopped renewing its lease (killed or cut off)"

Enqueue = Callable[[str, str], None]
"""``enqueue(job_id, part_key)``: put a part's task on the queue."""
Follow = Callable[[str | None], None]
"""``follow(part_key)``: which lease the caller's heartbeat renews (None: the job's)."""


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


def split_repos() -> int:
    """Repositories per part (``SENTINEL_SPLIT_REPOS``): an org with no more is not split."""
    return _env_int(ENV_SPLIT_REPOS, DEFAULT_SPLIT_REPOS)


def split_accounts() -> int:
    """Accounts (management included) from which an AWS organisation is split."""
    return _env_int(ENV_SPLIT_ACCOUNTS, DEFAULT_SPLIT_ACCOUNTS)


class WorkerSplitter:
    """The ``collect.Splitter`` of one queue worker's run of one job."""

    def __init__(
        self,
        store: Store,
        job_id: str,
        *,
        owner: str,
        lease_seconds: float,
        settings: Settings,
        enqueue: Enqueue,
        follow: Follow,
        actor: str | None,
    ) -> None:
        self.store, self.job_id, self.owner = store, job_id, owner
        self.lease_seconds = lease_seconds
        self.settings = settings
        self.enqueue, self.follow = enqueue, follow
        self.actor = actor
        self.split = False
        self.own_key = ""

    def wrap_progress(self, progress: Progress) -> Progress:
        """Once split, the job's progress counts parts, not this worker's own steps."""

        def step(done: int, total: int, label: str) -> None:
            if not self.split:
                progress(done, total, label)

        return step

    def github(
        self, listing: list[dict[str, Any]] | None, archived: list[dict[str, Any]], dot: bool
    ) -> bool:
        size = split_repos()
        if listing is None or len(listing) <= size:
            return False
        parts = [("org", dumps({"kind": "github-org", "listing": listing, "archived": archived}))]
        for start in range(0, len(listing), size):
            parts.append(
                (
                    f"repos-{start // size + 1:04d}",
                    dumps(
                        {
                            "kind": "github-repos",
                            "repos": listing[start : start + size],
                            "dotGithubPublic": dot,
                        }
                    ),
                )
            )
        return self._split(parts, own="org")

    def aws(self, own: dict[str, Any], members: list[dict[str, Any]]) -> bool:
        from sentinel_cli.collectors.aws.engine import to_jsonable

        if 1 + len(members) < split_accounts():
            return False
        own_key = f"account-{own.get('Id')}"
        parts = [(own_key, dumps({"kind": "aws-management", "own": to_jsonable(own)}))]
        parts += [
            (f"account-{m.get('Id')}", dumps({"kind": "aws-member", "account": to_jsonable(m)}))
            for m in members
        ]
        return self._split(parts, own=own_key)

    def _split(self, parts: list[tuple[str, str]], *, own: str) -> bool:
        with self.store.transaction():
            ok = self.store.job_parts.split(
                self.job_id,
                job_owner=self.owner,
                parts=parts,
                running=own,
                owner=self.owner,
                expires_at=time.time() + self.lease_seconds,
                now=now_iso(),
            )
            if ok:
                self.store.jobs.set_progress(
                    self.job_id, done=0, total=len(parts), step=f"split into {len(parts)} parts"
                )
        if not ok:
            return False  # no longer ours: go on whole; the end will find the job ended
        self.split, self.own_key = True, own
        self.follow(own)
        log.info("job %s split into %d parts", self.job_id, len(parts))
        for key, _ in parts:
            if key != own:
                self.enqueue(self.job_id, key)
        return True

    def own_part_done(self, store: Store, inventory: Any) -> Job:
        if hasattr(inventory, "inventories"):  # an AWS organisation: this run's one account
            inventory = inventory.inventories[0]
        return self._ended(
            end_part(
                store,
                self.job_id,
                self.own_key,
                owner=self.owner,
                result=inventory_to_json(inventory),
                seconds=self.lease_seconds,
            )
        )

    def own_part_failed(self, store: Store, message: str) -> Job:
        retry, last = part_failed(
            store,
            self.job_id,
            self.own_key,
            owner=self.owner,
            message=message,
            seconds=self.lease_seconds,
        )
        if retry:
            self.enqueue(self.job_id, self.own_key)
        return self._ended(last)

    def _ended(self, last: bool) -> Job:
        if last:
            self.follow(None)
            return complete_split(self.store, self.settings, self.job_id)
        row = self.store.jobs.get(self.job_id)
        assert row is not None
        return job_shape(row)


# -- one part -------------------------------------------------------------------------------


def take_part(store: Store, job_id: str, key: str, *, owner: str, seconds: float) -> bool:
    with store.transaction():
        return store.job_parts.take(
            job_id, key, owner=owner, expires_at=time.time() + seconds, now=now_iso()
        )


def renew_part(store: Store, job_id: str, key: str, *, owner: str, seconds: float) -> bool:
    return store.job_parts.renew(job_id, key, owner=owner, expires_at=time.time() + seconds)


def _progress_and_claim(store: Store, job_id: str, key: str, owner: str, seconds: float) -> bool:
    """Inside the transaction that ended a part: record the job's progress, and take the job's
    lease back when no part is left (True for exactly one worker)."""
    done, total = store.job_parts.progress(job_id)
    store.jobs.set_progress(job_id, done=done, total=total, step=f"part {key} ended")
    return store.job_parts.claim_job(job_id, owner=owner, expires_at=time.time() + seconds)


def end_part(
    store: Store, job_id: str, key: str, *, owner: str, result: str, seconds: float
) -> bool:
    """End ``owner``'s part DONE with its slice; True when it was the last and the caller now
    holds the job's lease (it must call :func:`complete_split`)."""
    with store.transaction():
        if not store.job_parts.end(
            job_id, key, owner=owner, status="DONE", result=result, error=None, now=now_iso()
        ):
            log.warning("part %s of job %s was taken from this worker; result dropped", key, job_id)
            return False
        return _progress_and_claim(store, job_id, key, owner, seconds)


def part_failed(
    store: Store, job_id: str, key: str, *, owner: str, message: str, seconds: float
) -> tuple[bool, bool]:
    """A part's run failed: (enqueue it again, the caller must complete the job). A part gets
    ``MAX_PART_ATTEMPTS`` runs; after the last it ends FAILED."""
    with store.transaction():
        row = store.job_parts.get(job_id, key)
        if row is None or row["status"] != "RUNNING" or row["lease_owner"] != owner:
            return False, False
        if int(row["attempt"]) < MAX_PART_ATTEMPTS:
            store.job_parts.retry(job_id, key, owner=owner, error=message)
            return True, False
        store.job_parts.end(
            job_id, key, owner=owner, status="FAILED", result=None, error=message, now=now_iso()
        )
        return False, _progress_and_claim(store, job_id, key, owner, seconds)


def try_complete(store: Store, job_id: str, *, owner: str, seconds: float) -> bool:
    """Take the job's lease if every part has ended (a part the reaper ended FAILED)."""
    with store.transaction():
        return store.job_parts.claim_job(job_id, owner=owner, expires_at=time.time() + seconds)


def run_part(
    store: Store,
    secrets: SecretStore,
    settings: Settings,
    job_id: str,
    key: str,
    *,
    options: CollectionOptions,
) -> str:
    """Fetch one part's slice (as JSON text). Raises for a failure (``part_failed`` records it)."""
    row = store.job_parts.get(job_id, key)
    job_row = store.jobs.get(job_id)
    if row is None or job_row is None:
        raise LookupError(f"no part {key} of job {job_id}")
    job = job_shape(job_row)
    job["startedAt"] = job["startedAt"] or job["queuedAt"]
    integration = resolve_integration(store, job["integrationId"])
    secret = credentials_secret(secrets, integration)
    scope: dict[str, Any] = loads(row["scope"], {})
    config = integration["config"]
    kind = scope.get("kind")
    now = job["startedAt"]
    if kind in ("github-org", "github-repos"):
        from sentinel_cli.collectors.github import collect_github

        check_settings = check_settings_for(settings, integration)
        gh = github_config(integration, secret, job, options, check_settings)
        with options.egress.one_failure_message("baseUrl", config.get("baseUrl")):
            if kind == "github-org":
                inventory: Any = collect_github(
                    gh, now=now, listed=(scope.get("listing"), list(scope.get("archived") or []))
                )
            else:
                inventory = collect_github(
                    gh,
                    now=now,
                    repos=list(scope["repos"]),
                    dot_github_public=bool(scope.get("dotGithubPublic")),
                )
        return inventory_to_json(inventory)
    from sentinel_cli.collectors.aws.organization import collect_management, collect_member

    creds = aws_credentials(integration, secret, options.egress)
    with options.egress.one_failure_message("endpointUrl", config.get("endpointUrl")):
        if kind == "aws-management":
            return inventory_to_json(
                collect_management(
                    creds,
                    scope["own"],
                    regions=config.get("regions"),
                    workers=options.workers,
                    now=now,
                )
            )
        inventory, account_row = collect_member(
            creds,
            scope["account"],
            member_role_name=config.get("memberRoleName") or "",
            external_id=config.get("externalId"),
            regions=config.get("regions"),
            workers=options.workers,
            now=now,
        )
    return dumps(
        {"inventory": inventory_to_json(inventory) if inventory else None, "row": account_row}
    )


# -- the end ---------------------------------------------------------------------------------


def complete_split(store: Store, settings: Settings, job_id: str) -> Job:
    """Merge the parts' slices and end the job (the caller holds the job's lease)."""
    job_row = store.jobs.get(job_id)
    assert job_row is not None
    job = job_shape(job_row)
    collected_at = job["startedAt"] or job["queuedAt"]
    integration = resolve_integration(store, job["integrationId"])
    actor = job_row.get("actor")
    try:
        parts = store.job_parts.results(job_id)
        check_settings = check_settings_for(settings, integration).replace(now=collected_at)
        if integration["type"] == "AWS":
            inventory: Any = merge_aws(parts, collected_at)
        else:
            inventory = merge_github(parts, collected_at, integration["config"]["org"])
    except Exception as exc:
        log.exception("could not merge the parts of job %s", job_id)
        fail_job(store, job_id, f"internal error: {type(exc).__name__}: {exc}")
        row = store.jobs.get(job_id)
        assert row is not None
        return job_shape(row)
    done = finish_collection(
        store,
        integration,
        job_id,
        inventory,
        check_settings,
        collected_at=collected_at,
        actor=actor,
    )
    store.job_parts.drop_results(job_id)
    return done


def _part_error(source: str, key: str, error: str | None, scope: str | None) -> FetchError:
    return FetchError(
        source=source,
        api_call=f"sentinel:collect part {key}",
        message=f"the part of the collection that reads it failed: {error or 'unknown error'}",
        scope=scope,
        error_code="PartFailed",
    )


def merge_github(parts: list[dict[str, Any]], collected_at: str, org: str) -> Any:
    """The inventory the whole collection would have fetched, from the org part and the batches."""
    from sentinel_cli.collectors.github.fetch import ORG_SOURCES, PER_REPO_SOURCES
    from sentinel_cli.inventory.github import GithubInventory

    head, batches = parts[0], parts[1:]
    scope = loads(head["scope"], {})
    if head["status"] == "DONE":
        base = inventory_from_json(GithubInventory, head["result"])
    else:
        base = GithubInventory(
            org_login=org,
            collected_at="",
            repos=scope.get("listing"),
            archived_repos=tuple(str(a.get("full_name")) for a in scope.get("archived") or []),
            archived_listing={str(a.get("full_name")): a for a in scope.get("archived") or []},
            errors=tuple(
                _part_error(s, head["part_key"], head["error"], None) for s in ORG_SOURCES
            ),
        )
    per_repo: dict[str, Any] = {name: {} for name in PER_REPO_SOURCES}
    errors = list(base.errors)
    calls = base.api_calls
    for part in batches:
        if part["status"] == "DONE":
            piece = inventory_from_json(GithubInventory, part["result"])
            for name in PER_REPO_SOURCES:
                per_repo[name].update(getattr(piece, name))
            errors.extend(piece.errors)
            calls += piece.api_calls
            continue
        for repo in loads(part["scope"], {}).get("repos") or []:
            full = str(repo.get("full_name"))
            errors.extend(
                _part_error(s, part["part_key"], part["error"], full) for s in PER_REPO_SOURCES
            )
    return dataclasses.replace(
        base,
        collected_at=to_iso(parse_iso(collected_at)),
        errors=tuple(errors),
        api_calls=calls,
        **per_repo,
    )


def merge_aws(parts: list[dict[str, Any]], collected_at: str) -> Any:
    """The organisation inventory the whole collection would have fetched, from the parts."""
    from sentinel_cli.collectors.aws import GLOBAL_UNITS
    from sentinel_cli.collectors.aws.organization import failed_member_row
    from sentinel_cli.inventory.aws import AwsInventory, AwsOrganizationInventory

    head, members = parts[0], parts[1:]
    own = loads(head["scope"], {}).get("own") or {}
    if head["status"] == "DONE":
        management = inventory_from_json(AwsInventory, head["result"])
    else:
        row = failed_member_row(own, None, head["error"] or "its part failed")
        row["SentinelManagement"] = True
        management = AwsInventory(
            account_id=str(own.get("Id")),
            regions=(),
            collected_at=collected_at,
            organization_accounts=[row],
            errors=tuple(
                _part_error(source, head["part_key"], head["error"], None)
                for _, _, sources in GLOBAL_UNITS
                for source in sources
            ),
        )
    rows = list(management.organization_accounts or [])[:1]
    inventories: list[AwsInventory] = []
    for part in members:
        if part["status"] == "DONE":
            answer = loads(part["result"], {})
            rows.append(answer["row"])
            if answer.get("inventory"):
                inventories.append(inventory_from_json(AwsInventory, answer["inventory"]))
            continue
        listed = loads(part["scope"], {}).get("account") or {}
        rows.append(failed_member_row(listed, None, part["error"] or "its part failed"))
    management = dataclasses.replace(management, organization_accounts=rows)
    return AwsOrganizationInventory(
        management_account_id=management.account_id,
        inventories=(management, *inventories),
    )


# -- the reaper ------------------------------------------------------------------------------


def reap_expired_parts(store: Store, *, now: float | None = None) -> list[tuple[str, str]]:
    """Parts whose worker stopped: waiting again (attempt + 1), or FAILED after their last
    attempt. Returns (job, part) of each: the caller enqueues them (a FAILED part's task only
    finds whether the job can now end)."""
    moment = time.time() if now is None else now
    if not store.job_parts.expired(now=moment):
        return []
    reaped: list[tuple[str, str]] = []
    with store.transaction():
        for part in store.job_parts.expired(now=moment):
            job_id, key = part["job_id"], part["part_key"]
            if int(part["attempt"]) < MAX_PART_ATTEMPTS:
                store.job_parts.retry(job_id, key, owner=None, error=PART_INTERRUPTED)
            else:
                store.job_parts.end(
                    job_id,
                    key,
                    owner=None,
                    status="FAILED",
                    result=None,
                    error=f"{PART_INTERRUPTED}, {MAX_PART_ATTEMPTS} times",
                    now=now_iso(),
                )
            reaped.append((job_id, key))
    return reaped


def untaken_parts(store: Store, *, older_than: float = 30.0) -> list[tuple[str, str]]:
    """Parts waiting for ``older_than`` seconds since they were split. Asked only when the
    queue is empty, these are parts whose task was lost: enqueued again (only one run can take
    a part), they keep the job from waiting forever."""
    cutoff = time.time() - older_than
    return [
        (row["job_id"], row["part_key"])
        for row in store.job_parts.waiting()
        if parse_iso(row["created_at"]).timestamp() < cutoff
    ]
