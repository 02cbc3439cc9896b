"""Who holds full administrative power in the account, whatever the path that grants it.

``aws_iam_no_admin_star`` judges *policies*: which customer-managed or inline document allows
``*`` on ``*``. It cannot say who ends up with that power, and it leaves AWS-managed policies
alone, so a user who is an administrator through a group, or through an attached AWS-managed
``AdministratorAccess``, never appears. This module judges *principals*, from the same
``get_account_authorization_details`` walk (no extra API call):

- a managed policy attached to the principal: AWS-managed ``AdministratorAccess`` (recognised by
  name, since AWS may leave its document out of the details) or any managed policy whose default
  version allows every action on every resource;
- an inline policy of the principal that allows it;
- for a user, membership of a group that has either.

Every user, group and role gets one item, so the items are the population an auditor samples
(CC6.1/CC6.3): FAIL for a user with full power (people should work through roles, whose sessions
are temporary), WARNING for a role or a group with it (a reviewed, deliberate grant is normal; the
item names who holds it), PASS otherwise. A permissions boundary that does not itself allow
everything caps the power, which turns a user's FAIL into a WARNING that names the boundary.
Deny statements, service control policies and resource policies are not evaluated: the verdict is
about what the identity policies grant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sentinel_cli.checks.aws._util import global_source
from sentinel_cli.checks.aws.iam import default_version, grants_admin, managed_policy_name
from sentinel_cli.checks.base import (
    ERROR,
    FAIL,
    PASS,
    WARNING,
    CheckResult,
    CheckSettings,
    check,
)
from sentinel_cli.inventory.aws import AwsInventory

CHECK_ID = "aws_iam_admin_principals"
# AWS-managed policies that grant every action on every resource.
FULL_ACCESS_AWS_POLICIES = frozenset({"AdministratorAccess"})
_ALLOWS_ALL = "allowing *:*"


@dataclass(frozen=True)
class _PolicyFacts:
    admin: bool | None  # None: no readable default version
    label: str  # "customer policy NAME", "AWS-managed policy NAME"
    by_name: bool = False  # a full-access AWS-managed policy, known by its name

    @property
    def path(self) -> str:
        return self.label if self.by_name else f"{self.label} {_ALLOWS_ALL}"


@dataclass
class _Grants:
    """What one principal's own policies grant: admin paths and policies that could not be read."""

    paths: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _is_aws_managed(policy_arn: str) -> bool:
    return ":iam::aws:policy/" in policy_arn  # any partition (aws-us-gov, aws-cn)


def _facts(policy_arn: str, name: str, document_admin: bool | None) -> _PolicyFacts:
    if _is_aws_managed(policy_arn):
        if name in FULL_ACCESS_AWS_POLICIES:
            return _PolicyFacts(True, f"AWS-managed policy {name}", by_name=True)
        return _PolicyFacts(document_admin, f"AWS-managed policy {name}")
    return _PolicyFacts(document_admin, f"customer policy {name}")


def _policy_index(details: Mapping[str, Any]) -> dict[str, _PolicyFacts]:
    """Managed policy ARN -> whether its default version allows everything, and how to name it."""
    index: dict[str, _PolicyFacts] = {}
    for policy in details.get("Policies") or []:
        policy_arn = str(policy.get("Arn") or "")
        if not policy_arn:
            continue
        version = default_version(policy)
        admin = None if version is None else grants_admin(version.get("Document"))
        index[policy_arn] = _facts(policy_arn, managed_policy_name(policy), admin)
    return index


def _managed(policy_arn: str, index: Mapping[str, _PolicyFacts]) -> _PolicyFacts:
    """Facts about an attached managed policy, also when the details left it out: AWS may omit
    AWS-managed policies, of which only the full-access ones matter here; a customer policy
    missing from the details cannot be judged."""
    found = index.get(policy_arn)
    if found is not None:
        return found
    name = policy_arn.rsplit("/", 1)[-1] or policy_arn
    return _facts(policy_arn, name, False if _is_aws_managed(policy_arn) else None)


def _own_grants(
    principal: Mapping[str, Any], inline_key: str, index: Mapping[str, _PolicyFacts]
) -> _Grants:
    grants = _Grants()
    for attached in principal.get("AttachedManagedPolicies") or []:
        facts = _managed(str(attached.get("PolicyArn") or ""), index)
        if facts.admin is None:
            grants.unreadable.append(f"{facts.label} has no readable default version")
        elif facts.admin:
            grants.paths.append(facts.path)
    for inline in principal.get(inline_key) or []:
        if grants_admin(inline.get("PolicyDocument")):
            name = inline.get("PolicyName") or "(unnamed)"
            grants.paths.append(f"inline policy {name} {_ALLOWS_ALL}")
    return grants


def _boundary(principal: Mapping[str, Any], index: Mapping[str, _PolicyFacts]) -> str | None:
    """The label of a permissions boundary that caps full power; None when there is none or it
    allows everything itself."""
    boundary = principal.get("PermissionsBoundary") or {}
    boundary_arn = boundary.get("PermissionsBoundaryArn")
    if not boundary_arn:
        return None
    facts = _managed(str(boundary_arn), index)
    return None if facts.admin else facts.label


def _arn(inv: AwsInventory, principal: Mapping[str, Any], kind: str, name: object) -> str:
    return str(principal.get("Arn") or f"arn:aws:iam::{inv.account_id}:{kind}/{name}")


def _via(paths: list[str]) -> str:
    return "; ".join(f"via {p}" for p in paths)


def _unreadable_result(
    inv: AwsInventory, principal: Mapping[str, Any], kind: str, name: object, grants: _Grants
) -> CheckResult:
    return CheckResult(
        CHECK_ID,
        ERROR,
        _arn(inv, principal, kind, name),
        f"iam-{kind}",
        f"Could not evaluate {kind} {name}: {'; '.join(grants.unreadable)}.",
        data={kind: name, "unreadable": grants.unreadable},
    )


@check(CHECK_ID)
def admin_principals(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    details = global_source(inv, "authorization_details")
    if details is None:
        return
    index = _policy_index(details)
    groups = {str(g.get("GroupName")): g for g in details.get("GroupDetailList") or []}
    group_grants = {
        name: _own_grants(group, "GroupPolicyList", index) for name, group in groups.items()
    }
    members: dict[str, list[str]] = {name: [] for name in groups}
    for user in details.get("UserDetailList") or []:
        for group_name in user.get("GroupList") or []:
            members.setdefault(str(group_name), []).append(str(user.get("UserName")))

    for user in details.get("UserDetailList") or []:
        yield _judge_user(inv, user, index, group_grants)
    for name, group in groups.items():
        yield _judge_group(inv, group, group_grants[name], sorted(members.get(name, [])))
    for role in details.get("RoleDetailList") or []:
        yield _judge_role(inv, role, index)


def _judge_user(
    inv: AwsInventory,
    user: Mapping[str, Any],
    index: Mapping[str, _PolicyFacts],
    group_grants: Mapping[str, _Grants],
) -> CheckResult:
    name = user.get("UserName")
    grants = _own_grants(user, "UserPolicyList", index)
    user_groups = [str(g) for g in user.get("GroupList") or []]
    for group_name in user_groups:
        found = group_grants.get(group_name)
        if found is None:
            grants.unreadable.append(f"group {group_name} is missing from the details")
            continue
        grants.paths += [f"group {group_name} → {path}" for path in found.paths]
        grants.unreadable += [f"group {group_name}: {text}" for text in found.unreadable]
    boundary = _boundary(user, index)
    if not grants.paths and grants.unreadable:
        return _unreadable_result(inv, user, "user", name, grants)
    if not grants.paths:
        status = PASS
        message = f"User {name} has no full administrative access through its policies or groups."
    elif boundary:
        status = WARNING
        message = (
            f"User {name} would have full administrative access {_via(grants.paths)}, but "
            f"permissions boundary {boundary} caps it."
        )
    else:
        status = FAIL
        message = f"User {name} has full administrative access {_via(grants.paths)}."
    return CheckResult(
        CHECK_ID,
        status,
        _arn(inv, user, "user", name),
        "iam-user",
        message,
        data={
            "user": name,
            "adminPaths": grants.paths,
            "groups": user_groups,
            "permissionsBoundary": boundary,
            "unreadable": grants.unreadable,
        },
    )


def _judge_group(
    inv: AwsInventory, group: Mapping[str, Any], grants: _Grants, members: list[str]
) -> CheckResult:
    name = group.get("GroupName")
    if not grants.paths and grants.unreadable:
        return _unreadable_result(inv, group, "group", name, grants)
    if grants.paths:
        status = WARNING
        who = f"{len(members)} member(s): {', '.join(members)}" if members else "no member yet"
        message = f"Group {name} grants full administrative access {_via(grants.paths)} to {who}."
    else:
        status, message = PASS, f"Group {name} grants no full administrative access."
    return CheckResult(
        CHECK_ID,
        status,
        _arn(inv, group, "group", name),
        "iam-group",
        message,
        data={"group": name, "adminPaths": grants.paths, "members": members},
    )


def _judge_role(
    inv: AwsInventory, role: Mapping[str, Any], index: Mapping[str, _PolicyFacts]
) -> CheckResult:
    name = role.get("RoleName")
    grants = _own_grants(role, "RolePolicyList", index)
    boundary = _boundary(role, index)
    if not grants.paths and grants.unreadable:
        return _unreadable_result(inv, role, "role", name, grants)
    if not grants.paths:
        status, message = PASS, f"Role {name} has no full administrative access."
    else:
        status = WARNING
        capped = f", capped by permissions boundary {boundary}" if boundary else ""
        message = (
            f"Role {name} has full administrative access {_via(grants.paths)}{capped}; "
            "review who can assume it."
        )
    return CheckResult(
        CHECK_ID,
        status,
        _arn(inv, role, "role", name),
        "iam-role",
        message,
        data={
            "role": name,
            "adminPaths": grants.paths,
            "permissionsBoundary": boundary,
            "unreadable": grants.unreadable,
        },
    )
