"""IAM checks: each with a passing, a failing and an edge-case inventory."""

from __future__ import annotations

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckSettings, run_checks

from .builders import (
    ACCOUNT,
    ACCOUNT_SCOPE,
    cred_row,
    days_ago,
    error,
    inventory,
    user_arn,
)

ROOT = "<root_account>"


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_iam_root_mfa ----------------------------------------------------------------------


def test_root_mfa_pass_hardware(run_check):
    inv = inventory(account_summary={"AccountMFAEnabled": 1}, virtual_mfa_devices=[])
    [r] = run_check("aws_iam_root_mfa", inv)
    assert (r.status, (r.resource_id, r.resource_type)) == (PASS, ACCOUNT_SCOPE)
    assert r.data["mfaType"] == "hardware"


def test_root_mfa_fail(run_check):
    inv = inventory(account_summary={"AccountMFAEnabled": 0}, virtual_mfa_devices=[])
    [r] = run_check("aws_iam_root_mfa", inv)
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)


def test_root_mfa_edge_virtual_device_and_missing_summary(run_check):
    device = {
        "SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device",
        "User": {"Arn": f"arn:aws:iam::{ACCOUNT}:root"},
    }
    inv = inventory(account_summary={"AccountMFAEnabled": 1}, virtual_mfa_devices=[device])
    [r] = run_check("aws_iam_root_mfa", inv)
    assert (r.status, r.resource_id, r.data["mfaType"]) == (PASS, ACCOUNT, "virtual")
    # Not fetched: nothing (the runner reports the error), never a PASS.
    assert run_check("aws_iam_root_mfa", inventory()) == []
    failed = inventory(errors=(error("account_summary"),))
    assert run_check("aws_iam_root_mfa", failed) == []


# ---- aws_iam_root_no_keys ------------------------------------------------------------------


def test_root_no_keys_pass_fail(run_check):
    [ok] = run_check(
        "aws_iam_root_no_keys", inventory(account_summary={"AccountAccessKeysPresent": 0})
    )
    [bad] = run_check(
        "aws_iam_root_no_keys", inventory(account_summary={"AccountAccessKeysPresent": 1})
    )
    assert (ok.status, ok.resource_id) == (PASS, ACCOUNT)
    assert (bad.status, bad.resource_id) == (FAIL, ACCOUNT)


def test_root_no_keys_edge_summary_without_entry(run_check):
    [r] = run_check("aws_iam_root_no_keys", inventory(account_summary={"Users": 3}))
    assert (r.status, r.resource_id) == (ERROR, ACCOUNT)


# ---- aws_iam_root_not_used -----------------------------------------------------------------


def test_root_not_used_pass(run_check):
    row = cred_row(ROOT, password_last_used=days_ago(200, style="offset"))
    [r] = run_check("aws_iam_root_not_used", inventory(credential_report=[row]))
    assert (r.status, r.resource_id) == (PASS, ACCOUNT)


def test_root_not_used_fail_recent_key_use(run_check):
    row = cred_row(ROOT, access_key_1_last_used_date=days_ago(3, style="offset"))
    [r] = run_check("aws_iam_root_not_used", inventory(credential_report=[row]))
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    assert "access_key_1_last_used_date" in r.message


def test_root_not_used_edge(run_check):
    # "no_information" means never used; a missing root row cannot be judged.
    row = cred_row(ROOT, password_last_used="no_information")
    [r] = run_check("aws_iam_root_not_used", inventory(credential_report=[row]))
    assert r.status == PASS
    [missing] = run_check("aws_iam_root_not_used", inventory(credential_report=[cred_row("bob")]))
    assert (missing.status, missing.resource_id) == (ERROR, ACCOUNT)
    # settings.now moves the clock: 10 days ago is within 90 days, but not within 5.
    row = cred_row(ROOT, password_last_used=days_ago(10))
    assert run_check("aws_iam_root_not_used", inventory(credential_report=[row]))[0].status == FAIL
    later = run_check(
        "aws_iam_root_not_used", inventory(credential_report=[row]), root_recent_use_days=5
    )
    assert later[0].status == PASS


# ---- aws_iam_user_console_mfa --------------------------------------------------------------


def test_user_console_mfa(run_check):
    report = [
        cred_row(ROOT, mfa_active="false"),
        cred_row("alice", password_enabled="true", mfa_active="true"),
        cred_row("bob", password_enabled="true", mfa_active="false"),
        cred_row("ci", password_enabled="false", access_key_1_active="true"),
    ]
    results = run_check("aws_iam_user_console_mfa", inventory(credential_report=report))
    # Root and the key-only user are out of scope.
    assert _ids(results) == [(PASS, user_arn("alice")), (FAIL, user_arn("bob"))]
    assert all(r.resource_type == "iam-user" for r in results)


def test_user_console_mfa_edge_empty_report(run_check):
    assert run_check("aws_iam_user_console_mfa", inventory(credential_report=[])) == []


# ---- aws_iam_user_one_active_key -----------------------------------------------------------


def test_user_one_active_key(run_check):
    report = [
        cred_row(ROOT, access_key_1_active="true", access_key_2_active="true"),
        cred_row(
            "rotating",
            access_key_1_active="true",
            access_key_1_last_rotated=days_ago(200, style="offset"),
            access_key_2_active="true",
            access_key_2_last_rotated=days_ago(3, style="offset"),
        ),
        cred_row("single", access_key_1_active="false", access_key_2_active="true"),
        cred_row("nobody"),
    ]
    results = run_check("aws_iam_user_one_active_key", inventory(credential_report=report))
    # Root is judged by aws_iam_root_no_keys.
    assert _ids(results) == [
        (FAIL, user_arn("rotating")),
        (PASS, user_arn("single")),
        (PASS, user_arn("nobody")),
    ]
    assert results[0].message == (
        "User rotating has 2 active access keys, created on 2023-11-14T00:00:00Z and on "
        "2024-05-29T00:00:00Z."
    )
    assert results[0].data["activeKeys"] == 2
    assert results[1].message == "User single has one active access key."
    assert results[2].message == "User nobody has no active access key."


def test_user_one_active_key_edge_unreadable_dates_and_failed_report(run_check):
    row = cred_row("odd", access_key_1_active="true", access_key_2_active="true")
    [result] = run_check("aws_iam_user_one_active_key", inventory(credential_report=[row]))
    assert result.status == FAIL
    assert result.message.endswith("created on an unknown date and on an unknown date.")
    failed = inventory(credential_report=[row], errors=(error("credential_report"),))
    assert run_check("aws_iam_user_one_active_key", failed) == []


# ---- aws_iam_password_policy ---------------------------------------------------------------


def test_password_policy_pass(run_check):
    policy = {"MinimumPasswordLength": 16, "PasswordReusePrevention": 24, "RequireSymbols": True}
    inv = inventory(password_policy=policy, password_policy_present=True)
    [r] = run_check("aws_iam_password_policy", inv)
    assert (r.status, r.resource_id) == (PASS, ACCOUNT)


def test_password_policy_fail_weak(run_check):
    policy = {"MinimumPasswordLength": 8, "PasswordReusePrevention": 24}
    inv = inventory(password_policy=policy, password_policy_present=True)
    [r] = run_check("aws_iam_password_policy", inv)
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    assert "minimum length 8" in r.message


def test_password_policy_edge_absent_vs_failed(run_check):
    fetched = inventory(password_policy_present=False, account_summary={"Users": 1})
    [absent] = run_check("aws_iam_password_policy", fetched)
    assert (absent.status, absent.resource_id) == (FAIL, ACCOUNT)
    # No IAM source fetched at all: "absent" cannot be told from "not collected".
    assert run_check("aws_iam_password_policy", inventory()) == []
    failed = inventory(errors=(error("password_policy"),))
    assert run_check("aws_iam_password_policy", failed) == []
    # Thresholds come from settings.
    policy = {"MinimumPasswordLength": 12, "PasswordReusePrevention": 5}
    inv = inventory(password_policy=policy, password_policy_present=True)
    relaxed = run_check(
        "aws_iam_password_policy", inv, password_min_length=12, password_reuse_prevention=5
    )
    assert relaxed[0].status == PASS


# ---- aws_iam_key_rotation_90d --------------------------------------------------------------


def _key(user, key_id, age, status="Active"):
    return {"UserName": user, "AccessKeyId": key_id, "Status": status, "CreateDate": days_ago(age)}


def test_key_rotation(run_check):
    keys = [_key("alice", "AKIAFRESH", 10), _key("bob", "AKIAOLD", 120)]
    results = run_check("aws_iam_key_rotation_90d", inventory(access_keys=keys))
    assert _ids(results) == [(PASS, "AKIAFRESH"), (FAIL, "AKIAOLD")]
    assert results[1].data["ageDays"] == 120


def test_key_rotation_edge(run_check):
    # Keys derived from the credential report have no id: user ARN + report slot name them.
    keys = [
        _key("carol", "AKIAINACTIVE", 500, status="Inactive"),
        {"UserName": "dave", "Status": "Active", "CreateDate": "N/A"},
        {
            "UserName": "erin",
            "UserArn": f"arn:aws:iam::{ACCOUNT}:user/ops/erin",
            "AccessKeyId": None,
            "SentinelKeySlot": 2,
            "Status": "Active",
            "CreateDate": "2024-05-01T00:00:00+00:00",
        },
    ]
    results = run_check("aws_iam_key_rotation_90d", inventory(access_keys=keys))
    assert _ids(results) == [
        (PASS, "AKIAINACTIVE"),
        (ERROR, f"{user_arn('dave')}#access_key_1"),
        (PASS, f"arn:aws:iam::{ACCOUNT}:user/ops/erin#access_key_2"),
    ]
    assert run_check("aws_iam_key_rotation_90d", inventory()) == []


# ---- aws_iam_unused_credentials ------------------------------------------------------------


def test_unused_credentials_pass_and_fail(run_check):
    report = [
        cred_row(
            "active",
            password_enabled="true",
            password_last_used=days_ago(5, style="offset"),
            access_key_1_active="true",
            access_key_1_last_used_date=days_ago(1, style="offset"),
        ),
        cred_row(
            "idle",
            access_key_1_active="true",
            access_key_1_last_rotated=days_ago(300, style="offset"),
            access_key_1_last_used_date=days_ago(60, style="offset"),
        ),
    ]
    results = run_check("aws_iam_unused_credentials", inventory(credential_report=report))
    assert _ids(results) == [(PASS, user_arn("active")), (FAIL, user_arn("idle"))]
    assert results[1].data["stale"] == ["access_key_1"]


def test_unused_credentials_edge_never_used(run_check):
    report = [
        cred_row(ROOT),
        # Never used: measured from when it was issued.
        cred_row(
            "new",
            password_enabled="true",
            password_last_used="no_information",
            password_last_changed=days_ago(3, style="offset"),
        ),
        cred_row(
            "forgotten",
            password_enabled="true",
            password_last_used="no_information",
            password_last_changed="N/A",
            user_creation_time=days_ago(100, style="offset"),
        ),
        cred_row("nothing"),
    ]
    results = run_check("aws_iam_unused_credentials", inventory(credential_report=report))
    assert _ids(results) == [
        (PASS, user_arn("new")),
        (FAIL, user_arn("forgotten")),
        (PASS, user_arn("nothing")),
    ]


# ---- aws_iam_no_user_policies --------------------------------------------------------------


def _user(name, attached=(), inline=()):
    return {
        "UserName": name,
        "Arn": user_arn(name),
        "AttachedManagedPolicies": [{"PolicyName": p, "PolicyArn": p} for p in attached],
        "UserPolicyList": [{"PolicyName": p, "PolicyDocument": {}} for p in inline],
        "GroupList": ["devs"],
    }


def test_no_user_policies(run_check):
    details = {
        "UserDetailList": [
            _user("clean"),
            _user("managed", attached=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
            _user("inline", inline=["extra"]),
        ]
    }
    results = run_check("aws_iam_no_user_policies", inventory(authorization_details=details))
    assert _ids(results) == [
        (PASS, user_arn("clean")),
        (FAIL, user_arn("managed")),
        (FAIL, user_arn("inline")),
    ]


def test_no_user_policies_edge_no_users(run_check):
    assert run_check("aws_iam_no_user_policies", inventory(authorization_details={})) == []


# ---- aws_iam_no_admin_star -----------------------------------------------------------------

ADMIN_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
SCOPED_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}


def _policy(name, document, attachments=1, default="v2"):
    return {
        "PolicyName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        "AttachmentCount": attachments,
        "DefaultVersionId": default,
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": default == "v1", "Document": ADMIN_DOC},
            {"VersionId": "v2", "IsDefaultVersion": default == "v2", "Document": document},
        ],
    }


def test_no_admin_star_managed(run_check):
    details = {
        "Policies": [
            _policy("scoped", SCOPED_DOC),  # an older admin version does not count
            _policy("admin", ADMIN_DOC),
            _policy("unattached", ADMIN_DOC, attachments=0),
            {
                "PolicyName": "AdministratorAccess",
                "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
                "AttachmentCount": 3,
            },
            {  # AWS-managed in GovCloud: still not the customer's policy to judge
                "PolicyName": "AdministratorAccess",
                "Arn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                "AttachmentCount": 1,
            },
        ]
    }
    results = run_check("aws_iam_no_admin_star", inventory(authorization_details=details))
    assert _ids(results) == [
        (PASS, f"arn:aws:iam::{ACCOUNT}:policy/scoped"),
        (FAIL, f"arn:aws:iam::{ACCOUNT}:policy/admin"),
    ]


def test_no_admin_star_names_a_policy_listed_without_its_name(run_check):
    # moto (the demo's AWS account) leaves PolicyName out of the authorization details.
    admin = _policy("ops/break-glass", ADMIN_DOC)
    scoped = _policy("read-only", SCOPED_DOC)
    del admin["PolicyName"], scoped["PolicyName"]
    details = {"Policies": [admin, scoped]}
    results = run_check("aws_iam_no_admin_star", inventory(authorization_details=details))
    assert [(r.status, r.message, r.data["policy"]) for r in results] == [
        (
            FAIL,
            "Attached policy break-glass allows all actions on all resources.",
            "break-glass",
        ),
        (
            PASS,
            "Attached policy read-only does not allow all actions on all resources.",
            "read-only",
        ),
    ]


def test_no_admin_star_inline_edge(run_check):
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/deployer"
    details = {
        "RoleDetailList": [
            {
                "RoleName": "deployer",
                "Arn": role_arn,
                # Document left as JSON text and a single statement object: both allowed.
                "RolePolicyList": [
                    {
                        "PolicyName": "all",
                        "PolicyDocument": '{"Statement": {"Effect": "Allow", "Action": "*:*", "Resource": ["*"]}}',
                    }
                ],
            },
            {"RoleName": "plain", "Arn": "arn:aws:iam::1:role/plain", "RolePolicyList": []},
        ],
        "GroupDetailList": [
            {
                "GroupName": "devs",
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/devs",
                "GroupPolicyList": [
                    {
                        "PolicyName": "deny-all",
                        "PolicyDocument": {
                            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
                        },
                    }
                ],
            }
        ],
    }
    results = run_check("aws_iam_no_admin_star", inventory(authorization_details=details))
    assert _ids(results) == [(PASS, f"arn:aws:iam::{ACCOUNT}:group/devs"), (FAIL, role_arn)]
    assert results[1].resource_type == "iam-role"


# ---- aws_iam_access_analyzer ---------------------------------------------------------------


def test_access_analyzer(run_check):
    analyzers = {
        "eu-west-1": [{"name": "org", "type": "ORGANIZATION", "status": "ACTIVE"}],
        "us-east-1": [{"name": "acct", "type": "ACCOUNT", "status": "FAILED"}],
        "us-west-2": [],
    }
    inv = inventory(access_analyzers=analyzers, errors=(error("access_analyzers", "us-west-2"),))
    results = run_check("aws_iam_access_analyzer", inv)
    # us-west-2 failed to fetch: skipped here, reported by the runner.
    assert [(r.status, r.resource_id, r.region) for r in results] == [
        (PASS, ACCOUNT, "eu-west-1"),
        (FAIL, ACCOUNT, "us-east-1"),
    ]


def test_runner_reports_failed_source_as_error():
    check = next(c for c in load_checks("aws") if c.meta.id == "aws_iam_access_analyzer")
    inv = inventory(
        access_analyzers={"us-west-2": []}, errors=(error("access_analyzers", "us-west-2"),)
    )
    results = list(run_checks([check], inv, CheckSettings()))
    assert [(r.status, r.resource_id, r.region) for r in results] == [(ERROR, ACCOUNT, "us-west-2")]
