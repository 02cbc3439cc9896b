"""Connecting, listing and removing integrations (AWS accounts, GitHub organisations).

Connect validates the credentials with one cheap call unless told not to, then writes the integration
row and its activity entry in one transaction and the secret to the secrets backend before that
transaction commits: a refused secret write leaves no row behind, and a refused verification leaves
nothing at all. Secrets never enter the database; the row records only which credential source is used.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations import billing
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.operations.shapes import integration_shape, job_shape
from sentinel_cli.secrets import SecretStore, integration_secret_key
from sentinel_cli.store import Store
from sentinel_cli.wire import Integration, Job

INTEGRATION_TYPES = ("AWS", "GITHUB")
_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_ORG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def validate_region(region: str, *, option: str = "--region") -> str:
    value = region.strip()
    if not _REGION_RE.match(value):
        raise InvalidInput(
            f"{option}: {region!r} is not an AWS region name",
            hint="use a region code such as us-east-1 or eu-west-1",
        )
    return value


def parse_regions(regions: str | list[str] | None) -> list[str] | None:
    if regions is None:
        return None
    items = regions.split(",") if isinstance(regions, str) else list(regions)
    parsed = [validate_region(r, option="--regions") for r in items if r.strip()]
    if not parsed:
        raise InvalidInput("--regions: give at least one region, e.g. us-east-1,eu-west-1")
    return sorted(set(parsed), key=parsed.index)


def _validate_url(url: str | None, option: str) -> str | None:
    if url is None:
        return None
    value = url.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise InvalidInput(
            f"{option}: {url!r} is not an http(s) URL",
            hint="e.g. https://github.example.com/api/v3",
        )
    return value


def _require_name(name: str | None, default: str) -> str:
    value = (name or default).strip()
    if not value:
        raise InvalidInput("--name must not be empty")
    if len(value) > 120:
        raise InvalidInput("--name is longer than 120 characters")
    return value


def _store_new_integration(
    store: Store,
    secrets: SecretStore,
    *,
    type: str,
    name: str,
    external_id: str | None,
    config: dict[str, Any],
    settings: dict[str, Any] | None,
    secret: dict[str, str] | None,
    actor: str | None,
) -> Integration:
    integration_id = str(uuid.uuid4())
    key = integration_secret_key(integration_id)
    with store.transaction():
        billing.ensure_can_add_integration(store)
        store.integrations.insert(
            integration_id=integration_id,
            type=type,
            name=name,
            external_id=external_id,
            config=config,
            settings=settings,
            has_secret=secret is not None,
        )
        store.activity.record(
            "integration.connected",
            f"Connected {type} integration '{name}'",
            actor=actor,
            target_type="integration",
            target_id=integration_id,
            details={"externalId": external_id},
        )
        if secret is not None:
            secrets.set(key, json.dumps(secret))
    forget_removed_secrets(store, secrets)
    row = store.integrations.get(integration_id)
    assert row is not None
    return integration_shape(row)


def connect_aws(
    store: Store,
    secrets: SecretStore,
    *,
    name: str | None = None,
    region: str = "us-east-1",
    regions: str | list[str] | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
    verify: bool = True,
    organization: bool = False,
    member_role_name: str | None = None,
    actor: str | None = None,
    egress: EgressPolicy = UNRESTRICTED,
) -> Integration:
    """Connect an AWS account from access keys, a named profile, a role to assume, or the default
    chain (the last two only where ``egress`` lends this machine's credentials: not on a server
    unless its operator allows it).

    With ``organization`` the credentials are the management account's, and every ACTIVE account
    of the organisation is collected, members through ``member_role_name`` (with ``external_id``,
    which then applies to the member roles only). The account list is read at each collection,
    not here; verification also lists the accounts once, to prove the management access. The
    integration counts as one against the plan (its checks are metered item by item)."""
    region = validate_region(region)
    region_list = parse_regions(regions)
    endpoint_url = _validate_url(endpoint_url, "--endpoint-url")
    access_key_id = (access_key_id or "").strip() or None
    secret_access_key = (secret_access_key or "").strip() or None
    if bool(access_key_id) != bool(secret_access_key):
        raise InvalidInput(
            "--access-key-id and --secret-access-key go together",
            hint="give both, or neither to use --profile, --role-arn or the default credential chain",
        )
    if access_key_id and profile:
        raise InvalidInput("use either access keys or --profile, not both")
    if member_role_name is not None and not str(member_role_name).strip():
        member_role_name = None
    if organization and member_role_name is None:
        raise InvalidInput(
            "--organization needs --member-role NAME: the role Sentinel assumes in each member "
            "account",
            hint="e.g. --organization --member-role SentinelAudit",
        )
    if member_role_name is not None and not organization:
        raise InvalidInput("--member-role only applies with --organization")
    if organization:
        from sentinel_cli.collectors.aws.organization import check_role_name

        member_role_name = check_role_name(member_role_name)
    if external_id and not role_arn and not organization:
        raise InvalidInput(
            "--external-id only applies with --role-arn (or with --organization, for the "
            "member roles)"
        )
    if role_arn and not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", role_arn):
        raise InvalidInput(
            f"--role-arn: {role_arn!r} is not an IAM role ARN",
            hint="e.g. arn:aws:iam::123456789012:role/SentinelAudit",
        )
    egress.check_aws_credentials(has_keys=bool(access_key_id))
    if endpoint_url:
        egress.check_url(endpoint_url, field="endpointUrl")
    if access_key_id:
        source = "access-keys"
    elif profile:
        source = "profile"
    else:
        source = "default-chain"
    if role_arn:
        source = f"role via {source}"

    account_id: str | None = None
    if verify:
        from sentinel_cli.collectors.aws.session import AwsCredentials, verify_aws

        creds = AwsCredentials(
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            profile=profile,
            role_arn=role_arn,
            external_id=None if organization else external_id,
            endpoint_url=endpoint_url,
            egress=egress,
        )
        with egress.one_failure_message("endpointUrl", endpoint_url):
            if organization:
                from sentinel_cli.collectors.aws.organization import verify_organization

                identity = verify_organization(creds)
            else:
                identity = verify_aws(creds)
        account_id = identity.get("accountId")

    config: dict[str, Any] = {
        "region": region,
        "regions": region_list,
        "credentialSource": source,
        "profile": profile,
        "roleArn": role_arn,
        "externalId": external_id,
        "endpointUrl": endpoint_url,
        "accessKeyIdSuffix": access_key_id[-4:] if access_key_id else None,
    }
    if organization:
        config["organization"] = True
        config["memberRoleName"] = member_role_name
    secret = (
        {"accessKeyId": access_key_id, "secretAccessKey": secret_access_key}
        if access_key_id and secret_access_key
        else None
    )
    if organization:
        default_name = f"AWS organization {account_id}" if account_id else "AWS organization"
    else:
        default_name = f"AWS {account_id}" if account_id else "AWS account"
    return _store_new_integration(
        store,
        secrets,
        type="AWS",
        name=_require_name(name, default_name),
        external_id=account_id,
        config=config,
        settings=None,
        secret=secret,
        actor=actor,
    )


DEFAULT_REVIEW_PERIOD_DAYS = 90
MAX_REVIEW_PERIOD_DAYS = 3650


def github_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """A GitHub integration's check settings, checked and completed with defaults: the allow-lists
    of outside collaborators and public repositories, and the change-review period in days."""
    raw = dict(settings or {})
    days = raw.get("reviewPeriodDays")
    if days is None:
        days = DEFAULT_REVIEW_PERIOD_DAYS
    if isinstance(days, bool) or not isinstance(days, int | str):
        raise InvalidInput(f"--review-period-days: {days!r} is not a whole number")
    try:
        days = int(str(days).strip())
    except ValueError:
        raise InvalidInput(f"--review-period-days: {days!r} is not a whole number") from None
    if not 1 <= days <= MAX_REVIEW_PERIOD_DAYS:
        raise InvalidInput(
            f"--review-period-days must be between 1 and {MAX_REVIEW_PERIOD_DAYS} (got {days})"
        )

    def names(key: str) -> list[str]:
        values = raw.get(key) or []
        if isinstance(values, str) or not all(isinstance(v, str) for v in values):
            raise InvalidInput(f"{key}: expected a list of names")
        return [v.strip() for v in values if v.strip()]

    return {
        "allowedOutsideCollaborators": names("allowedOutsideCollaborators"),
        "allowedPublicRepositories": names("allowedPublicRepositories"),
        "reviewPeriodDays": days,
    }


def connect_github(
    store: Store,
    secrets: SecretStore,
    *,
    org: str | None,
    token: str | None,
    name: str | None = None,
    base_url: str | None = None,
    verify: bool = True,
    allowed_outside_collaborators: Sequence[str] | None = None,
    allowed_public_repositories: Sequence[str] | None = None,
    review_period_days: int | None = None,
    actor: str | None = None,
    egress: EgressPolicy = UNRESTRICTED,
) -> Integration:
    """Connect a GitHub organisation with a token (github.com, GHES, or a compatible API)."""
    org = (org or "").strip()
    if not org:
        raise InvalidInput(
            "missing --org: name the GitHub organisation to connect", hint="e.g. --org acme"
        )
    if not _ORG_RE.match(org):
        raise InvalidInput(f"--org: {org!r} is not a GitHub organisation login")
    token = (token or "").strip()
    if not token:
        raise InvalidInput(
            "missing GitHub token",
            hint="pass --token, --token-stdin, or set GITHUB_TOKEN",
        )
    base_url = _validate_url(base_url, "--base-url")
    settings = github_settings(
        {
            "allowedOutsideCollaborators": list(allowed_outside_collaborators or []),
            "allowedPublicRepositories": list(allowed_public_repositories or []),
            "reviewPeriodDays": review_period_days,
        }
    )
    if base_url:
        egress.check_url(base_url, field="baseUrl")
    external_id = org
    if verify:
        from sentinel_cli.collectors.github import GithubConfig, verify_github

        with egress.one_failure_message("baseUrl", base_url):
            info = verify_github(
                GithubConfig(org=org, token=token, base_url=base_url, egress=egress)
            )
        external_id = str(info.get("login") or org)
    return _store_new_integration(
        store,
        secrets,
        type="GITHUB",
        name=_require_name(name, f"GitHub {org}"),
        external_id=external_id,
        config={"org": org, "baseUrl": base_url},
        settings=settings,
        secret={"token": token},
        actor=actor,
    )


def resolve_integration(store: Store, integration_id: str) -> dict[str, Any]:
    """Find an integration by id, or by an unambiguous id prefix (as people copy from tables)."""
    return resolve_id(
        integration_id,
        get=store.integrations.get,
        find_by_prefix=store.integrations.find_by_prefix,
        noun="integration",
        hint="run 'sentinel integrations list' to see the ids",
    )


def get_integration(store: Store, integration_id: str) -> Integration:
    row = resolve_integration(store, integration_id)
    listed = {r["id"]: r for r in store.integrations.list()}
    return integration_shape(listed.get(row["id"], row))


def list_integrations(store: Store) -> list[Integration]:
    return [integration_shape(r) for r in store.integrations.list()]


def remove_integration(
    store: Store, secrets: SecretStore, integration_id: str, *, actor: str | None = None
) -> Integration:
    """Remove an integration and its secret. Its collected evidence stays, for audit periods past."""
    row = resolve_integration(store, integration_id)
    with store.transaction():
        store.integrations.mark_removed(row["id"])
        store.schedules.delete(row["id"])  # nothing left to collect on a schedule
        store.activity.record(
            "integration.removed",
            f"Removed {row['type']} integration '{row['name']}'",
            actor=actor,
            target_type="integration",
            target_id=row["id"],
        )
    secrets.delete(integration_secret_key(row["id"]))
    forget_removed_secrets(store, secrets)
    removed = store.integrations.get(row["id"], include_removed=True)
    assert removed is not None
    return integration_shape(removed)


def forget_removed_secrets(store: Store, secrets: SecretStore) -> int:
    """Drop the secrets a removal left behind when it stopped between its commit and the delete.

    Called by every connect and remove and by each API worker as it starts, so the server and the
    CLI both repair the file on their next write. Only a secret whose integration the store knows
    as removed goes: a secret with no row may belong to a connect still in its transaction, or to
    another database sharing this home. Only the file backend can list its keys; the keyring is not
    swept. Returns how many secrets were dropped.
    """
    from sentinel_cli.secrets import FileSecrets

    if not isinstance(secrets, FileSecrets):
        return 0
    prefix = integration_secret_key("")
    held = [key for key in secrets.names() if key.startswith(prefix)]
    orphans = []
    for key in held:
        row = store.integrations.get(key[len(prefix) :], include_removed=True)
        if row is not None and row["removed_at"] is not None:
            orphans.append(key)
    return secrets.delete_many(orphans) if orphans else 0


def parse_job_limit(limit: int) -> int:
    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    return limit


def list_jobs(store: Store, integration_id: str, *, limit: int = 50) -> list[Job]:
    limit = parse_job_limit(limit)
    row = resolve_integration(store, integration_id)
    return [job_shape(j) for j in store.jobs.list_for(row["id"], limit=limit)]


def get_job(store: Store, job_id: str) -> Job:
    job = store.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no collection job with id {job_id!r}")
    return job_shape(job)
