"""aws_iam_admin_principals: who holds full administrative access, and through which path."""

from __future__ import annotations

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import ACCOUNT, error, inventory

CHECK = "aws_iam_admin_principals"
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}  # fmt: skip
SCOPED_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def _policy(name: str, document: object, *, default: str = "v1") -> dict:
    return {
        "PolicyName": name,
        "Arn": _arn("policy", name),
        "AttachmentCount": 1,
        "DefaultVersionId": default,
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": document}],
    }


def _attached(*arns: str) -> list[dict]:
    return [{"PolicyArn": a, "PolicyName": a.rsplit("/", 1)[-1]} for a in arns]


def _user(name: str, *, groups=(), attached=(), inline=(), boundary=None) -> dict:
    user = {
        "UserName": name,
        "Arn": _arn("user", name),
        "GroupList": list(groups),
        "AttachedManagedPolicies": _attached(*attached),
        "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
    }
    if boundary:
        user["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return user


def _group(name: str, *, attached=(), inline=()) -> dict:
    return {
        "GroupName": name,
        "Arn": _arn("group", name),
        "AttachedManagedPolicies": _attached(*attached),
        "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
    }


def _role(name: str, *, attached=(), inline=()) -> dict:
    return {
        "RoleName": name,
        "Arn": _arn("role", name),
        "AttachedManagedPolicies": _attached(*attached),
        "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
    }


def _by_resource(results) -> dict:
    return {r.resource_id: r for r in results}


def test_users_fail_roles_and_groups_warn_everyone_else_passes(run_check):
    details = {
        "UserDetailList": [
            _user("alice", groups=["admins"]),
            _user("bob", attached=[ADMIN_ACCESS]),
            _user("carol", inline=[("break-glass", ADMIN_DOC)]),
            _user("dave", groups=["readers"], attached=[READ_ONLY]),
        ],
        "GroupDetailList": [
            _group("admins", attached=[_arn("policy", "admin-all")]),
            _group("readers", attached=[_arn("policy", "read-s3")]),
        ],
        "RoleDetailList": [
            _role("ops", attached=[ADMIN_ACCESS]),
            _role("lambda-exec", inline=[("logs", SCOPED_DOC)]),
        ],
        "Policies": [_policy("admin-all", ADMIN_DOC), _policy("read-s3", SCOPED_DOC)],
    }
    results = _by_resource(run_check(CHECK, inventory(authorization_details=details)))
    alice = results[_arn("user", "alice")]
    assert (alice.status, alice.resource_type) == (FAIL, "iam-user")
    assert alice.message == (
        "User alice has full administrative access via group admins → customer policy "
        "admin-all allowing *:*."
    )
    assert alice.data["adminPaths"] == ["group admins → customer policy admin-all allowing *:*"]
    bob = results[_arn("user", "bob")]
    assert bob.status == FAIL
    assert bob.message == (
        "User bob has full administrative access via AWS-managed policy AdministratorAccess."
    )
    carol = results[_arn("user", "carol")]
    assert carol.status == FAIL and "via inline policy break-glass allowing *:*" in carol.message
    assert results[_arn("user", "dave")].status == PASS
    admins = results[_arn("group", "admins")]
    assert (admins.status, admins.resource_type) == (WARNING, "iam-group")
    assert admins.message.endswith("to 1 member(s): alice.")
    assert results[_arn("group", "readers")].status == PASS
    ops = results[_arn("role", "ops")]
    assert (ops.status, ops.resource_type) == (WARNING, "iam-role")
    assert ops.message == (
        "Role ops has full administrative access via AWS-managed policy AdministratorAccess; "
        "review who can assume it."
    )
    assert results[_arn("role", "lambda-exec")].status == PASS
    assert len(results) == 8  # every principal is on record


def test_aws_managed_policy_judged_by_document_when_listed(run_check):
    # AWS may list an AWS-managed policy with its document: a full-access one counts, a scoped
    # one does not, whatever its name.
    custom_aws = "arn:aws:iam::aws:policy/job-function/SomethingFull"
    details = {
        "UserDetailList": [_user("erin", attached=[custom_aws, READ_ONLY])],
        "Policies": [
            {**_policy("SomethingFull", ADMIN_DOC), "Arn": custom_aws},
            {**_policy("ReadOnlyAccess", SCOPED_DOC), "Arn": READ_ONLY},
        ],
    }
    [erin] = run_check(CHECK, inventory(authorization_details=details))
    assert erin.status == FAIL
    assert erin.data["adminPaths"] == ["AWS-managed policy SomethingFull allowing *:*"]


def test_edge_permissions_boundary_caps_a_user(run_check):
    details = {
        "UserDetailList": [
            _user("frank", attached=[ADMIN_ACCESS], boundary=_arn("policy", "dev-boundary")),
            _user("gina", attached=[ADMIN_ACCESS], boundary=ADMIN_ACCESS),
        ],
        "Policies": [_policy("dev-boundary", SCOPED_DOC)],
    }
    results = _by_resource(run_check(CHECK, inventory(authorization_details=details)))
    frank = results[_arn("user", "frank")]
    assert frank.status == WARNING
    assert frank.message.endswith("but permissions boundary customer policy dev-boundary caps it.")
    # A boundary that allows everything caps nothing.
    assert results[_arn("user", "gina")].status == FAIL


def test_edge_unreadable_policy_is_error_not_pass(run_check):
    broken = _policy("half-written", ADMIN_DOC)
    broken["PolicyVersionList"] = []
    details = {
        "UserDetailList": [
            _user("henry", attached=[_arn("policy", "half-written")]),
            # An admin path found elsewhere settles the verdict despite the unreadable policy.
            _user("iris", attached=[_arn("policy", "half-written"), ADMIN_ACCESS]),
            _user("jack", groups=["ghost-group"]),
        ],
        "Policies": [broken],
    }
    results = _by_resource(run_check(CHECK, inventory(authorization_details=details)))
    henry = results[_arn("user", "henry")]
    assert henry.status == ERROR
    assert henry.message == (
        "Could not evaluate user henry: customer policy half-written has no readable default "
        "version."
    )
    assert results[_arn("user", "iris")].status == FAIL
    jack = results[_arn("user", "jack")]
    assert jack.status == ERROR and "group ghost-group is missing" in jack.message


def test_edge_empty_group_and_names_without_arns(run_check):
    group = _group("break-glass", inline=[("all", ADMIN_DOC)])
    del group["Arn"]
    details = {"GroupDetailList": [group], "UserDetailList": [], "RoleDetailList": []}
    [result] = run_check(CHECK, inventory(authorization_details=details))
    assert result.resource_id == _arn("group", "break-glass")
    assert result.status == WARNING
    assert result.message == (
        "Group break-glass grants full administrative access via inline policy all allowing "
        "*:* to no member yet."
    )


def test_edge_details_not_fetched_yield_nothing(run_check):
    inv = inventory(errors=(error("authorization_details"),))
    assert run_check(CHECK, inv) == []
