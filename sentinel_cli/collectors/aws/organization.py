"""AWS Organizations: collect every ACTIVE account of an organisation in one collection.

The integration holds the management account's credentials (keys, a profile or a role, as for one
account) and the name of a role deployed in the member accounts. At each collection, never at
connect, the member list is read again (``organizations:ListAccounts``), so an account that joined
since the last collection is collected and one that left is not. Then:

1. the management account is opened with its own credentials, exactly like a single account (a
   refused key fails the whole job, as it would for one account);
2. every other ACTIVE account is *entered* in parallel: ``sts:AssumeRole`` of
   ``arn:<partition>:iam::<account>:role/<member role>`` from the management identity (with the
   external id, which belongs to the member roles), then the account's own identity and regions.
   An account that cannot be entered (the role is missing or does not trust the management
   account, the external id is wrong, a requested region is not enabled there) is recorded with
   the reason and left out; the others go on;
3. the units (global services, and each regional service in each of the account's enabled
   regions) of every entered account run on one bounded pool, so a hundred quiet accounts cost a
   hundred times one quiet account's calls, not a hundred thread pools.

Each account yields its own :class:`AwsInventory`, checked independently; the management account's
carries ``organization_accounts`` (every ACTIVE account, entered or not, and why not), which the
``aws_organizations_accounts_audited`` check turns into one PASS per account collected and one
ERROR per account that could not be entered. A failed ``ListAccounts`` is a fetch error of that
source: the management account is still collected and the check reports the ERROR.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sentinel_cli.collectors.aws import (
    OpenAccount,
    account_units,
    build_inventory,
    collection_time,
    open_account,
    requested_regions,
    run_units,
)
from sentinel_cli.collectors.aws.actions import CallStats
from sentinel_cli.collectors.aws.engine import Collection, FetchFailed, error_code_and_message
from sentinel_cli.collectors.aws.session import (
    SESSION_NAME,
    AwsCredentials,
    build_session,
    raise_for_botocore,
    temporary_session,
    verify_aws,
)
from sentinel_cli.errors import CredentialsRefused, InvalidInput, SentinelError
from sentinel_cli.inventory.aws import AwsInventory, AwsOrganizationInventory

Progress = Callable[[int, int, str], None]

ACCOUNTS_SOURCE = "organization_accounts"
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
_ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class OrganizationCollection:
    """An organisation's inventory plus how it was obtained, per account."""

    inventory: AwsOrganizationInventory
    calls_by_account: Mapping[str, int]
    operations_by_account: Mapping[str, frozenset[str]]
    seconds: float


@dataclass(frozen=True)
class _Entry:
    """One listed account: opened (``account``) or not (``error``)."""

    listed: dict[str, Any]
    role_arn: str | None
    account: OpenAccount | None = None
    error: str | None = None


def check_role_name(name: str | None) -> str:
    """The member role's name, or InvalidInput for a value IAM would not accept as one."""
    value = (name or "").strip()
    if not ROLE_NAME_RE.match(value):
        raise InvalidInput(
            f"--member-role: {name!r} is not an IAM role name",
            hint="the role's name in every member account, e.g. SentinelAudit "
            "(1-64 letters, digits and +=,.@_-)",
        )
    return value


def member_role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def is_active(account: Mapping[str, Any]) -> bool:
    """ACTIVE by the ``State`` field where AWS sends it, else the older ``Status``."""
    return (account.get("State") or account.get("Status")) == _ACTIVE


def list_active_accounts(ctx: Collection) -> list[dict[str, Any]]:
    """Every ACTIVE account of the organisation (every page); FetchFailed (recorded) on error."""
    org = ctx.client("organizations")
    listed = ctx.items(ACCOUNTS_SOURCE, None, org, "list_accounts", "Accounts")
    return [dict(a) for a in listed if is_active(a)]


def verify_organization(creds: AwsCredentials) -> dict[str, Any]:
    """Prove the management credentials at connect: STS identity, and one ``ListAccounts`` page.

    Returns ``{"accountId", "arn", "userId", "accounts"}`` (accounts on the first page). Raises
    CredentialsRefused when the identity may not list the organisation's accounts, InvalidInput
    when the account belongs to no organisation.
    """
    from botocore import exceptions as bce
    from botocore.config import Config

    identity: dict[str, Any] = dict(verify_aws(creds))
    session = build_session(creds)
    # As quick to fail as the STS check: a connect must not hang on a wrong endpoint.
    quick = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=10, read_timeout=20
    )
    org = session.client(
        "organizations", region_name=creds.region, endpoint_url=creds.endpoint_url, config=quick
    )
    try:
        page = org.list_accounts()
    except bce.ClientError as exc:
        code, _ = error_code_and_message(exc)
        if code == "AWSOrganizationsNotInUseException":
            raise InvalidInput(
                f"account {identity['accountId']} is not in an AWS organisation",
                hint="connect it as a single account (without --organization)",
            ) from None
        raise CredentialsRefused(
            f"AWS refused organizations:ListAccounts for {identity['arn']} ({code})",
            hint="use the management account's credentials (or a delegated administrator's) "
            "with organizations:ListAccounts and sts:AssumeRole; see "
            "examples/aws-org-management-policy.json",
        ) from None
    except bce.BotoCoreError as exc:
        raise_for_botocore(exc, "listing the organisation's accounts")
        raise  # unreachable: raise_for_botocore always raises
    identity["accounts"] = len(page.get("Accounts") or [])
    if not identity["accounts"]:  # an organisation lists its management account at least
        raise InvalidInput(
            f"account {identity['accountId']} lists no organisation accounts",
            hint="connect the management account of an organisation, or this account alone "
            "(without --organization)",
        )
    return identity


def collect_organization(
    creds: AwsCredentials,
    *,
    member_role_name: str,
    external_id: str | None = None,
    regions: Sequence[str] | None = None,
    workers: int = 8,
    progress: Progress | None = None,
    now: str | None = None,
    max_attempts: int | None = None,
    report_timeout: float = 120.0,
    split: SplitMembers | None = None,
) -> OrganizationCollection:
    """Collect the management account and every ACTIVE member account (see the module docstring).

    ``regions`` applies to every account (default: each account's own enabled regions). Raises as
    :func:`~sentinel_cli.collectors.aws.collect_aws_with_stats` does for the management account;
    member accounts never raise, they are recorded as not entered.

    ``split(own, members)`` (a split collection) is called once the accounts are listed, with the
    management account's listing entry and the members'; when it returns True the members are
    left to other workers (:func:`collect_member`) and only the management account is collected
    here: its ``organization_accounts`` then names it alone, and the merge adds the members'.
    """
    started = time.monotonic()
    if workers < 1:
        raise InvalidInput("workers must be at least 1")
    role_name = check_role_name(member_role_name)
    requested = requested_regions(regions)
    collected_at = now or collection_time()
    session = build_session(creds)
    stats = CallStats()
    opener = functools.partial(
        open_account,
        creds=creds,
        requested=requested,
        workers=workers,
        max_attempts=max_attempts,
        report_timeout=report_timeout,
    )
    management = opener(session, stats=stats)
    mgmt_id = management.ctx.account_id
    # Organisation-wide calls (ListAccounts, AssumeRole) are the management identity's: counted
    # with its calls, but their errors are kept apart from the management account's own.
    org_ctx = Collection(
        session,
        endpoint_url=creds.endpoint_url,
        home_region=creds.region,
        stats=stats,
        workers=workers,
        max_attempts=max_attempts,
        report_timeout=report_timeout,
    )
    org_ctx.account_id = mgmt_id
    sts = org_ctx.client("sts")  # made here, once: sessions are not thread-safe, clients are
    partition = org_ctx.partition(creds.region)
    try:
        listed: list[dict[str, Any]] | None = list_active_accounts(org_ctx)
    except FetchFailed:
        listed = None  # recorded in org_ctx.errors; the management account is still collected
    members = [a for a in listed or [] if a.get("Id") != mgmt_id]
    own = _own_listing(listed, mgmt_id)
    if listed is not None and members and split is not None and split(own, members):
        return _management_only(management, own, collected_at, org_ctx, workers, progress, started)

    mgmt_units = account_units(management, prefix=f"{mgmt_id} " if members else "")
    estimate = len(members) + len(mgmt_units) * (len(members) + 1)
    done = 0

    enter = functools.partial(
        _enter,
        sts=sts,
        partition=partition,
        role_name=role_name,
        external_id=external_id,
        creds=creds,
        opener=opener,
    )

    entries: list[_Entry] = []
    if members:
        with ThreadPoolExecutor(
            max_workers=min(workers, len(members)), thread_name_prefix="aws-org-enter"
        ) as pool:
            for entry in pool.map(enter, members):
                entries.append(entry)
                done += 1
                if progress is not None:
                    verb = "entered" if entry.account is not None else "could not enter"
                    progress(done, estimate, f"{verb} {entry.listed.get('Id')}")

    units = list(mgmt_units)
    for entry in entries:
        if entry.account is not None:
            units += account_units(entry.account, prefix=f"{entry.account.ctx.account_id} ")
    run_units(units, workers=workers, progress=progress, done=done)

    accounts = None
    if listed is not None:
        accounts = [_account_row(own, management, None, None, management=True)]
        accounts += [_account_row(e.listed, e.account, e.role_arn, e.error) for e in entries]
    inventories = [
        build_inventory(
            management, collected_at, organization_accounts=accounts, errors=org_ctx.errors
        )
    ]
    inventories += [
        build_inventory(e.account, collected_at) for e in entries if e.account is not None
    ]
    opened = [management] + [e.account for e in entries if e.account is not None]
    return OrganizationCollection(
        inventory=AwsOrganizationInventory(
            management_account_id=mgmt_id, inventories=tuple(inventories)
        ),
        calls_by_account={a.ctx.account_id: a.ctx.stats.total for a in opened},
        operations_by_account={a.ctx.account_id: a.ctx.stats.operations for a in opened},
        seconds=time.monotonic() - started,
    )


SplitMembers = Callable[[dict[str, Any], list[dict[str, Any]]], bool]
"""``split(own listing entry, members' listing entries)``: True when other workers take the
members (see :func:`collect_organization`)."""


def _own_listing(listed: list[dict[str, Any]] | None, mgmt_id: str) -> dict[str, Any]:
    """The management account's listing entry. A delegated administrator lists the management
    account as a member: the connected account is the one collected with its own credentials,
    whatever its role."""
    return next(
        (a for a in listed or [] if a.get("Id") == mgmt_id), {"Id": mgmt_id, "Status": _ACTIVE}
    )


def _enter(
    listed_account: dict[str, Any],
    *,
    sts: Any,
    partition: str,
    role_name: str,
    external_id: str | None,
    creds: AwsCredentials,
    opener: Callable[..., OpenAccount],
) -> _Entry:
    """Enter one member account through its role: opened, or the reason it could not be."""
    account_id = str(listed_account.get("Id"))
    role_arn = member_role_arn(partition, account_id, role_name)
    try:
        member_session = _assume(sts, role_arn, external_id, creds)
        account = opener(member_session, stats=CallStats())
    except _NotEntered as exc:
        return _Entry(listed_account, role_arn, error=str(exc))
    except SentinelError as exc:
        return _Entry(listed_account, role_arn, error=exc.message)
    except Exception as exc:  # one account's surprise must not lose the others
        return _Entry(listed_account, role_arn, error=f"{type(exc).__name__}: {exc}")
    if account.ctx.account_id != account_id:
        return _Entry(
            listed_account,
            role_arn,
            error=f"the role answered as account {account.ctx.account_id}, not {account_id}",
        )
    return _Entry(listed_account, role_arn, account=account)


def _management_only(
    management: OpenAccount,
    own: dict[str, Any],
    collected_at: str,
    org_ctx: Collection,
    workers: int,
    progress: Progress | None,
    started: float,
) -> OrganizationCollection:
    run_units(account_units(management), workers=workers, progress=progress)
    inventory = build_inventory(
        management,
        collected_at,
        organization_accounts=[_account_row(own, management, None, None, management=True)],
        errors=org_ctx.errors,
    )
    mgmt_id = management.ctx.account_id
    return OrganizationCollection(
        inventory=AwsOrganizationInventory(management_account_id=mgmt_id, inventories=(inventory,)),
        calls_by_account={mgmt_id: management.ctx.stats.total},
        operations_by_account={mgmt_id: management.ctx.stats.operations},
        seconds=time.monotonic() - started,
    )


def collect_management(
    creds: AwsCredentials,
    own: dict[str, Any],
    *,
    regions: Sequence[str] | None = None,
    workers: int = 8,
    progress: Progress | None = None,
    now: str | None = None,
) -> AwsInventory:
    """The management account's part of a split organisation collection, run again on another
    worker (its first run is :func:`collect_organization`'s, which listed the accounts)."""
    started = time.monotonic()
    account = open_account(
        build_session(creds),
        creds,
        requested=requested_regions(regions),
        workers=workers,
        max_attempts=None,
        report_timeout=120.0,
    )
    org_ctx = Collection(
        build_session(creds),
        endpoint_url=creds.endpoint_url,
        home_region=creds.region,
        stats=CallStats(),
        workers=workers,
    )
    collected = _management_only(
        account, own, now or collection_time(), org_ctx, workers, progress, started
    )
    return collected.inventory.inventories[0]


def collect_member(
    creds: AwsCredentials,
    listed_account: dict[str, Any],
    *,
    member_role_name: str,
    external_id: str | None = None,
    regions: Sequence[str] | None = None,
    workers: int = 8,
    progress: Progress | None = None,
    now: str | None = None,
) -> tuple[AwsInventory | None, dict[str, Any]]:
    """One member account of a split organisation collection: entered through its role from the
    management identity ``creds``, and collected as :func:`collect_organization` collects it.
    Returns its inventory (None when it could not be entered) and its ``organization_accounts``
    row. Never raises for the account itself: a refusal is the row's reason."""
    role_name = check_role_name(member_role_name)
    session = build_session(creds)
    ctx = Collection(
        session,
        endpoint_url=creds.endpoint_url,
        home_region=creds.region,
        stats=CallStats(),
        workers=workers,
    )
    opener = functools.partial(
        open_account,
        creds=creds,
        requested=requested_regions(regions),
        workers=workers,
        max_attempts=None,
        report_timeout=120.0,
    )
    entry = _enter(
        listed_account,
        sts=ctx.client("sts"),
        partition=ctx.partition(creds.region),
        role_name=role_name,
        external_id=external_id,
        creds=creds,
        opener=opener,
    )
    inventory = None
    if entry.account is not None:
        run_units(account_units(entry.account), workers=workers, progress=progress)
        inventory = build_inventory(entry.account, now or collection_time())
    return inventory, _account_row(entry.listed, entry.account, entry.role_arn, entry.error)


def failed_member_row(
    listed_account: dict[str, Any], role_arn: str | None, error: str
) -> dict[str, Any]:
    """The ``organization_accounts`` row of a member whose part failed for good."""
    return _account_row(listed_account, None, role_arn, error)


class _NotEntered(Exception):
    """AssumeRole was refused or failed: the message is the reason, as AWS gave it."""


def _assume(sts: Any, role_arn: str, external_id: str | None, creds: AwsCredentials) -> Any:
    """A session in the member account through ``role_arn`` (the external id goes with it)."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
    try:
        answer = sts.assume_role(**params)
        credentials = answer["Credentials"]
    except Exception as exc:  # every failure is this account's reason, never the others'
        code, message = error_code_and_message(exc)
        detail = f"{code}: {message}" if message and not code.isdigit() else message or code
        raise _NotEntered(f"sts:AssumeRole of {role_arn} failed: {detail}") from None
    return temporary_session(credentials, creds)


def _account_row(
    listed: Mapping[str, Any],
    account: OpenAccount | None,
    role_arn: str | None,
    error: str | None,
    *,
    management: bool = False,
) -> dict[str, Any]:
    from sentinel_cli.collectors.aws.engine import to_jsonable

    row: dict[str, Any] = {
        k: to_jsonable(listed.get(k))
        for k in ("Id", "Name", "Arn", "Status", "State", "JoinedTimestamp")
        if listed.get(k) is not None
    }
    row["SentinelManagement"] = management
    row["SentinelRoleArn"] = role_arn
    row["SentinelEntered"] = account is not None
    row["SentinelError"] = error
    row["SentinelRegions"] = list(account.regions) if account is not None else []
    return row
