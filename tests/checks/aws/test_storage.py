"""Storage checks: S3 exposure, Block Public Access, TLS, encryption, versioning, access logs,
Object Lock; EBS snapshots."""

from __future__ import annotations

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import (
    ACCOUNT,
    ALL_USERS,
    AUTH_USERS,
    REGION,
    bucket,
    error,
    group_grant,
    inventory,
    pab,
)

ARN = "arn:aws:s3:::{}".format


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_s3_bucket_not_public --------------------------------------------------------------


def test_bucket_not_public_pass(run_check):
    [r] = run_check("aws_s3_bucket_not_public", inventory(buckets=[bucket("private")]))
    assert (r.status, r.resource_id, r.resource_type) == (PASS, ARN("private"), "s3-bucket")


def test_bucket_not_public_fail(run_check):
    buckets = [
        bucket("acl", SentinelAcl=[group_grant(AUTH_USERS, "WRITE")]),
        bucket("policy", SentinelPolicyStatus={"IsPublic": True}),
        # BlockPublicPolicy only stops new policies; the existing public policy still applies.
        bucket(
            "half-blocked",
            SentinelPolicyStatus={"IsPublic": True},
            SentinelPublicAccessBlock=pab(RestrictPublicBuckets=False),
        ),
    ]
    results = run_check("aws_s3_bucket_not_public", inventory(buckets=buckets))
    assert _ids(results) == [(FAIL, ARN("acl")), (FAIL, ARN("policy")), (FAIL, ARN("half-blocked"))]
    assert results[0].data["publicAclGrants"] == ["AuthenticatedUsers:WRITE"]


def test_bucket_not_public_edge_blocks_and_errors(run_check):
    buckets = [
        # Bucket-level PAB neutralises both a public ACL and a public policy.
        bucket(
            "blocked",
            SentinelAcl=[group_grant(ALL_USERS)],
            SentinelPolicyStatus={"IsPublic": True},
            SentinelPublicAccessBlock=pab(),
        ),
        # ACL unreadable and nothing blocks ACLs: cannot tell.
        bucket("no-acl", SentinelAcl=None, SentinelErrors={"SentinelAcl": "AccessDenied: denied"}),
        # PAB unreadable, public policy: cannot tell whether RestrictPublicBuckets applies.
        bucket(
            "no-pab",
            SentinelPolicyStatus={"IsPublic": True},
            SentinelErrors={"get_public_access_block": "AccessDenied"},
        ),
        # PAB unreadable but nothing public anyway: a definite PASS.
        bucket("no-pab-private", SentinelErrors={"PublicAccessBlock": "AccessDenied"}),
    ]
    results = run_check("aws_s3_bucket_not_public", inventory(buckets=buckets))
    assert _ids(results) == [
        (PASS, ARN("blocked")),
        (ERROR, ARN("no-acl")),
        (ERROR, ARN("no-pab")),
        (PASS, ARN("no-pab-private")),
    ]


def test_bucket_not_public_edge_account_block(run_check):
    public = bucket("p", SentinelAcl=[group_grant(ALL_USERS)])
    blocked = inventory(
        buckets=[public],
        account_public_access_block=pab(),
        account_public_access_block_present=True,
    )
    assert run_check("aws_s3_bucket_not_public", blocked)[0].status == PASS
    # Account PAB unreadable: a bucket that is public unless the account blocks it is ERROR.
    unknown = inventory(buckets=[public], errors=(error("account_public_access_block"),))
    assert _ids(run_check("aws_s3_bucket_not_public", unknown)) == [(ERROR, ARN("p"))]
    assert run_check("aws_s3_bucket_not_public", inventory(errors=(error("buckets"),))) == []


# ---- aws_s3_account_bpa --------------------------------------------------------------------


def test_account_bpa(run_check):
    ok = inventory(account_public_access_block=pab(), account_public_access_block_present=True)
    bad = inventory(
        account_public_access_block=pab(IgnorePublicAcls=False),
        account_public_access_block_present=True,
    )
    assert _ids(run_check("aws_s3_account_bpa", ok)) == [(PASS, ACCOUNT)]
    [r] = run_check("aws_s3_account_bpa", bad)
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    assert "IgnorePublicAcls" in r.message


def test_account_bpa_edge_absent_or_failed(run_check):
    assert _ids(run_check("aws_s3_account_bpa", inventory(buckets=[]))) == [(FAIL, ACCOUNT)]
    assert run_check("aws_s3_account_bpa", inventory()) == []  # S3 not collected at all
    failed = inventory(errors=(error("account_public_access_block"),))
    assert run_check("aws_s3_account_bpa", failed) == []


# ---- aws_s3_bucket_bpa_effective -----------------------------------------------------------


def test_bucket_bpa_effective(run_check):
    buckets = [
        bucket("own", SentinelPublicAccessBlock=pab()),
        bucket("none"),
        bucket("partial", SentinelPublicAccessBlock=pab(RestrictPublicBuckets=False)),
    ]
    results = run_check("aws_s3_bucket_bpa_effective", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("own")), (FAIL, ARN("none")), (FAIL, ARN("partial"))]
    assert results[0].message == (
        "Bucket own is covered by all four Block Public Access settings (set on the bucket)."
    )
    assert results[2].message == (
        "Bucket partial is not covered by Block Public Access for RestrictPublicBuckets: "
        "neither the bucket nor the account sets them."
    )
    assert results[2].data["notInForce"] == ["RestrictPublicBuckets"]


def test_bucket_bpa_effective_edge_account_level_and_errors(run_check):
    buckets = [
        bucket("none"),
        bucket("mixed", SentinelPublicAccessBlock=pab(BlockPublicAcls=False)),
        bucket(
            "denied",
            SentinelPublicAccessBlock=None,
            SentinelErrors={"SentinelPublicAccessBlock": "AccessDenied: no"},
        ),
    ]
    # The account covers what the buckets leave off: even the unreadable bucket is covered.
    covered = inventory(
        buckets=buckets,
        account_public_access_block=pab(),
        account_public_access_block_present=True,
    )
    results = run_check("aws_s3_bucket_bpa_effective", covered)
    assert [r.status for r in results] == [PASS, PASS, PASS]
    assert results[0].message.endswith("(set on the account).")
    assert results[1].message.endswith("(set on the account).")
    both = inventory(
        buckets=[bucket("both", SentinelPublicAccessBlock=pab())],
        account_public_access_block=pab(),
        account_public_access_block_present=True,
    )
    [twice] = run_check("aws_s3_bucket_bpa_effective", both)
    assert twice.message.endswith("(set on the bucket and on the account).")
    # Two levels that only together cover all four.
    split = inventory(
        buckets=[bucket("split", SentinelPublicAccessBlock=pab(BlockPublicAcls=False))],
        account_public_access_block=pab(IgnorePublicAcls=False),
        account_public_access_block_present=True,
    )
    [together] = run_check("aws_s3_bucket_bpa_effective", split)
    assert together.message.endswith("(the bucket and the account together).")
    # Nothing at the account: the unreadable bucket is ERROR, never PASS.
    open_account = inventory(buckets=buckets)
    statuses = [r.status for r in run_check("aws_s3_bucket_bpa_effective", open_account)]
    assert statuses == [FAIL, FAIL, ERROR]
    # Account level unreadable: only a bucket covering all four on its own can be judged.
    unknown = inventory(
        buckets=[bucket("own", SentinelPublicAccessBlock=pab()), bucket("none")],
        errors=(error("account_public_access_block"),),
    )
    results = run_check("aws_s3_bucket_bpa_effective", unknown)
    assert [r.status for r in results] == [PASS, ERROR]
    assert results[1].message == (
        "Could not evaluate bucket none: Block Public Access of the account's settings unavailable."
    )


# ---- aws_s3_tls_only -----------------------------------------------------------------------


def _tls_policy(value="false", operator="Bool", effect="Deny"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TLSOnly",
                "Effect": effect,
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Condition": {operator: {"aws:SecureTransport": value}},
            }
        ],
    }


def test_tls_only(run_check):
    buckets = [
        bucket("tls", SentinelPolicy=_tls_policy()),
        bucket("nopolicy"),
        bucket("allow", SentinelPolicy=_tls_policy(effect="Allow", value="true")),
    ]
    results = run_check("aws_s3_tls_only", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("tls")), (FAIL, ARN("nopolicy")), (FAIL, ARN("allow"))]


def test_tls_only_edge(run_check):
    import json

    buckets = [
        # Policy as JSON text, boolean false and BoolIfExists are all accepted.
        bucket(
            "text", SentinelPolicy=json.dumps(_tls_policy(value=False, operator="BoolIfExists"))
        ),
        bucket("denied", SentinelErrors={"SentinelPolicy": "AccessDenied: no"}),
    ]
    results = run_check("aws_s3_tls_only", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("text")), (ERROR, ARN("denied"))]


# ---- aws_s3_versioning ---------------------------------------------------------------------


def test_versioning(run_check):
    buckets = [bucket("on"), bucket("suspended", SentinelVersioning={"Status": "Suspended"})]
    results = run_check("aws_s3_versioning", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("on")), (FAIL, ARN("suspended"))]


def test_versioning_edge(run_check):
    never = bucket("never", SentinelVersioning={})
    uncollected = bucket("uncollected")
    del uncollected["SentinelVersioning"]
    results = run_check("aws_s3_versioning", inventory(buckets=[never, uncollected]))
    assert _ids(results) == [(FAIL, ARN("never")), (ERROR, ARN("uncollected"))]


# ---- aws_s3_access_logging -----------------------------------------------------------------


def test_access_logging(run_check):
    buckets = [bucket("logged"), bucket("silent", SentinelLogging=None)]
    results = run_check("aws_s3_access_logging", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("logged")), (FAIL, ARN("silent"))]
    assert results[0].region == REGION


def test_access_logging_edge(run_check):
    # A bucket whose location could not be read has no region (not a guessed us-east-1); errors
    # keyed by API call name still match.
    buckets = [
        bucket("unlocated", SentinelRegion=None),
        bucket("denied", SentinelErrors={"get_bucket_logging": "AccessDenied"}),
    ]
    results = run_check("aws_s3_access_logging", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("unlocated")), (ERROR, ARN("denied"))]
    assert results[0].region is None


# ---- aws_s3_bucket_default_encryption ------------------------------------------------------


def test_default_encryption(run_check):
    kms = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": "k",
                },
                "BucketKeyEnabled": True,
            }
        ]
    }
    buckets = [bucket("kms", SentinelEncryption=kms), bucket("none", SentinelEncryption=None)]
    results = run_check("aws_s3_bucket_default_encryption", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("kms")), (FAIL, ARN("none"))]
    assert results[0].data["SSEAlgorithms"] == ["aws:kms"]


def test_default_encryption_edge(run_check):
    buckets = [
        bucket("empty-rules", SentinelEncryption={"Rules": [{"BucketKeyEnabled": True}]}),
        bucket("err", SentinelErrors={"encryption": "AccessDenied"}),
    ]
    results = run_check("aws_s3_bucket_default_encryption", inventory(buckets=buckets))
    assert _ids(results) == [(FAIL, ARN("empty-rules")), (ERROR, ARN("err"))]


# ---- aws_s3_object_lock --------------------------------------------------------------------

LOCKED = {
    "ObjectLockEnabled": "Enabled",
    "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
}


def test_object_lock(run_check):
    buckets = [
        bucket("acme-backups", SentinelObjectLock=LOCKED, SentinelTags=None),
        bucket("acme-data", SentinelObjectLock=None, SentinelTags=None),  # out of scope
        bucket(
            "acme-logs",
            SentinelObjectLock=None,
            SentinelTags=[{"Key": "purpose", "Value": "Audit-Log"}],
        ),
    ]
    results = run_check("aws_s3_object_lock", inventory(buckets=buckets))
    assert _ids(results) == [(PASS, ARN("acme-backups")), (WARNING, ARN("acme-logs"))]
    assert results[0].message == (
        "Bucket acme-backups (its name mentions backup) has Object Lock with a COMPLIANCE "
        "retention of 365 day(s)."
    )
    assert results[1].message == (
        "Bucket acme-logs (its tag purpose mentions audit) has no Object Lock: its objects can "
        "be deleted or overwritten."
    )


def test_object_lock_required_by_settings_fails(run_check):
    buckets = [
        bucket("ledger-archive", SentinelObjectLock=None, SentinelTags=None),
        bucket("vault", SentinelObjectLock={"ObjectLockEnabled": "Enabled"}, SentinelTags=None),
    ]
    results = run_check(
        "aws_s3_object_lock",
        inventory(buckets=buckets),
        object_lock_buckets=("ledger-*", "VAULT"),
        object_lock_hints=(),
    )
    assert _ids(results) == [(FAIL, ARN("ledger-archive")), (WARNING, ARN("vault"))]
    assert "the settings require Object Lock for it" in results[0].message
    assert results[1].message == (
        "Bucket vault (the settings require Object Lock for it) has Object Lock on but no "
        "default retention, so only objects written with a retention are locked."
    )
    # Without hints nothing else is in scope.
    quiet = inventory(buckets=[bucket("backups", SentinelObjectLock=None, SentinelTags=None)])
    assert run_check("aws_s3_object_lock", quiet, object_lock_hints=()) == []
    # A lone word written without brackets in settings.yaml is one hint, not its letters.
    other = inventory(buckets=[bucket("assets", SentinelObjectLock=None, SentinelTags=None)])
    assert run_check("aws_s3_object_lock", other, object_lock_hints="backup") == []
    assert [
        r.status for r in run_check("aws_s3_object_lock", quiet, object_lock_hints="backup")
    ] == [WARNING]


def test_object_lock_edge_unreadable_settings(run_check):
    buckets = [
        # Tags unreadable and the name says nothing: cannot tell whether it is in scope.
        bucket("plain", SentinelTags=None, SentinelErrors={"SentinelTags": "AccessDenied: no"}),
        # The name already puts it in scope; its lock configuration is unreadable.
        bucket(
            "db-backup",
            SentinelTags=None,
            SentinelObjectLock=None,
            SentinelErrors={"SentinelObjectLock": "AccessDenied: no"},
        ),
        # Years instead of days.
        bucket(
            "audit-trail",
            SentinelTags=None,
            SentinelObjectLock={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0, "Years": 7}},
            },
        ),
    ]
    results = run_check("aws_s3_object_lock", inventory(buckets=buckets))
    assert [r.status for r in results] == [ERROR, ERROR, PASS]
    assert results[0].message == (
        "Could not evaluate bucket plain: tags unavailable (AccessDenied: no)."
    )
    assert results[2].message.endswith("GOVERNANCE retention of 7 year(s).")


# ---- aws_ec2_snapshot_not_public -----------------------------------------------------------


def _snap(snap_id, perms):
    return {"SnapshotId": snap_id, "OwnerId": ACCOUNT, "SentinelCreateVolumePermissions": perms}


def _snap_arn(snap_id, region=REGION):
    return f"arn:aws:ec2:{region}:{ACCOUNT}:snapshot/{snap_id}"


def test_snapshot_not_public(run_check):
    snaps = {REGION: [_snap("snap-1", []), _snap("snap-2", [{"Group": "all"}])]}
    results = run_check("aws_ec2_snapshot_not_public", inventory(snapshots=snaps))
    assert _ids(results) == [(PASS, _snap_arn("snap-1")), (FAIL, _snap_arn("snap-2"))]


def test_snapshot_not_public_edge_shared_with_account(run_check):
    snaps = {REGION: [_snap("snap-3", [{"UserId": "210987654321"}])]}
    inv = inventory(snapshots=snaps, errors=(error("snapshots", "eu-west-1"),))
    [r] = run_check("aws_ec2_snapshot_not_public", inv)
    assert (r.status, r.resource_id) == (PASS, _snap_arn("snap-3"))
    assert r.data["sharedWithAccounts"] == ["210987654321"]


def test_snapshot_not_public_edge_one_attribute_denied(run_check):
    # The collector marks the snapshot and also records the failure for the region: the other
    # snapshots of the region are still judged, the marked one is ERROR.
    denied = {
        **_snap("snap-4", None),
        "SentinelErrors": {
            "SentinelCreateVolumePermissions": "ec2:DescribeSnapshotAttribute: AccessDenied"
        },
    }
    snaps = {REGION: [_snap("snap-3", [{"Group": "all"}]), denied]}
    inv = inventory(snapshots=snaps, errors=(error("snapshots", REGION),))
    results = run_check("aws_ec2_snapshot_not_public", inv)
    assert _ids(results) == [(FAIL, _snap_arn("snap-3")), (ERROR, _snap_arn("snap-4"))]
    assert "AccessDenied" in results[1].message
