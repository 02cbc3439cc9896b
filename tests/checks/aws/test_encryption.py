"""Encryption checks: EBS defaults, volumes and snapshots, S3 SSE-KMS, KMS rotation, log group
keys, ACM expiry, Secrets Manager rotation."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import ACCOUNT, REGION, bucket, days_ago, days_ahead, error, inventory

EU = "eu-west-1"


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_ebs_default_encryption ------------------------------------------------------------


def test_ebs_default_encryption(run_check):
    inv = inventory(ebs_default_encryption={EU: True, REGION: False})
    results = run_check("aws_ebs_default_encryption", inv)
    assert [(r.status, r.resource_id, r.region) for r in results] == [
        (PASS, ACCOUNT, EU),
        (FAIL, ACCOUNT, REGION),
    ]


def test_ebs_default_encryption_edge_failed_region(run_check):
    inv = inventory(
        ebs_default_encryption={EU: False}, errors=(error("ebs_default_encryption", EU),)
    )
    assert run_check("aws_ebs_default_encryption", inv) == []


# ---- aws_kms_rotation ----------------------------------------------------------------------


def _key(key_id, rotation=True, **overrides):
    key = {
        "KeyId": key_id,
        "Arn": key_arn(key_id),
        "KeyManager": "CUSTOMER",
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "SentinelRotationEnabled": rotation,
    }
    key.update(overrides)
    return key


def key_arn(key_id):
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def test_kms_rotation(run_check):
    keys = {REGION: [_key("k-on"), _key("k-off", rotation=False)]}
    assert _ids(run_check("aws_kms_rotation", inventory(kms_keys=keys))) == [
        (PASS, key_arn("k-on")),
        (FAIL, key_arn("k-off")),
    ]


def test_kms_rotation_edge(run_check):
    keys = {
        REGION: [
            _key("k-rsa", rotation=None, KeySpec="RSA_2048"),
            _key("k-aws", rotation=False, KeyManager="AWS"),
            _key("k-disabled", rotation=False, KeyState="Disabled"),
            _key("k-imported", rotation=None, Origin="EXTERNAL"),
            _key(
                "k-legacy", rotation=False, KeySpec=None, CustomerMasterKeySpec="SYMMETRIC_DEFAULT"
            ),
            _key("k-unknown", rotation=None),
        ]
    }
    assert _ids(run_check("aws_kms_rotation", inventory(kms_keys=keys))) == [
        (FAIL, key_arn("k-legacy")),
        (ERROR, key_arn("k-unknown")),
    ]


# ---- aws_acm_expiry ------------------------------------------------------------------------


def _cert(name, not_after, **overrides):
    cert = {
        "CertificateArn": cert_arn(name),
        "DomainName": f"{name}.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "NotAfter": not_after,
        "InUseBy": [],
    }
    cert.update(overrides)
    return cert


def cert_arn(name):
    return f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{name}"


def test_acm_expiry(run_check):
    certs = {
        REGION: [
            _cert("ok", days_ahead(200)),
            _cert("soon", days_ahead(10)),
            _cert("gone", days_ago(1)),
        ]
    }
    results = run_check("aws_acm_expiry", inventory(certificates=certs))
    assert _ids(results) == [
        (PASS, cert_arn("ok")),
        (WARNING, cert_arn("soon")),
        (FAIL, cert_arn("gone")),
    ]
    assert results[2].data["daysLeft"] == -1


def test_acm_expiry_edge(run_check):
    certs = {
        REGION: [
            _cert("pending", None, Status="PENDING_VALIDATION"),
            _cert("offset", "2024-07-15T12:00:00+00:00"),
        ]
    }
    # 44.5 days left: PASS at the default 30, WARNING with a 60-day threshold.
    assert _ids(run_check("aws_acm_expiry", inventory(certificates=certs))) == [
        (PASS, cert_arn("offset"))
    ]
    stricter = run_check(
        "aws_acm_expiry", inventory(certificates=certs), acm_expiry_warning_days=60
    )
    assert _ids(stricter) == [(WARNING, cert_arn("offset"))]
    # settings.now replaces the collection time as the clock.
    later = run_check("aws_acm_expiry", inventory(certificates=certs), now="2024-08-01T00:00:00Z")
    assert _ids(later) == [(FAIL, cert_arn("offset"))]


# ---- aws_secrets_rotation ------------------------------------------------------------------


def _secret(name, **fields):
    secret = {"ARN": secret_arn(name), "Name": name, "CreatedDate": days_ago(400)}
    secret.update(fields)
    return secret


def secret_arn(name):
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"


def test_secrets_rotation(run_check):
    secrets = {
        REGION: [
            _secret("rotated", RotationEnabled=True, LastRotatedDate=days_ago(20)),
            _secret("static"),
        ]
    }
    assert _ids(run_check("aws_secrets_rotation", inventory(secrets=secrets))) == [
        (PASS, secret_arn("rotated")),
        (FAIL, secret_arn("static")),
    ]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"RotationEnabled": True, "LastRotatedDate": days_ago(200)}, FAIL),  # rotation stalled
        ({"RotationEnabled": True, "CreatedDate": days_ago(5)}, PASS),  # new, not yet rotated
        ({"RotationEnabled": True, "CreatedDate": None}, ERROR),  # no date to judge
        ({"RotationEnabled": False, "LastRotatedDate": days_ago(1)}, FAIL),  # rotated once by hand
    ],
)
def test_secrets_rotation_edge(run_check, fields, status):
    secrets = {REGION: [_secret("s", **fields)]}
    assert _ids(run_check("aws_secrets_rotation", inventory(secrets=secrets))) == [
        (status, secret_arn("s"))
    ]


def test_kms_rotation_edge_status_denied(run_check):
    denied = {
        **_key("k-denied", rotation=None),
        "SentinelErrors": {"SentinelRotationEnabled": "kms:GetKeyRotationStatus: AccessDenied"},
    }
    inv = inventory(kms_keys={REGION: [_key("k-on"), denied]}, errors=(error("kms_keys", REGION),))
    results = run_check("aws_kms_rotation", inv)
    assert _ids(results) == [(PASS, key_arn("k-on")), (ERROR, key_arn("k-denied"))]
    assert "AccessDenied" in results[1].message


def test_acm_expiry_edge_describe_failed(run_check):
    # describe_certificate failed: only the list summary is stored, marked with SentinelErrors.
    summary = {
        "CertificateArn": cert_arn("broken"),
        "DomainName": "broken.example.com",
        "SentinelErrors": {"Certificate": "acm:DescribeCertificate: AccessDenied"},
    }
    inv = inventory(certificates={REGION: [summary]}, errors=(error("certificates", REGION),))
    assert _ids(run_check("aws_acm_expiry", inv)) == [(ERROR, cert_arn("broken"))]


# ---- aws_s3_bucket_sse_kms -----------------------------------------------------------------


def _sse(algorithm: str, key: str | None = None) -> dict:
    default = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}


KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1"


def test_sse_kms_off_by_default_so_sse_s3_passes(run_check):
    buckets = [
        bucket("kms", SentinelEncryption=_sse("aws:kms", KEY_ARN)),
        bucket("s3-managed", SentinelEncryption=_sse("AES256")),
        bucket("plain", SentinelEncryption=None),
    ]
    results = run_check("aws_s3_bucket_sse_kms", inventory(buckets=buckets))
    assert [(r.status, r.resource_id) for r in results] == [
        (PASS, "arn:aws:s3:::kms"),
        (PASS, "arn:aws:s3:::s3-managed"),
        (FAIL, "arn:aws:s3:::plain"),
    ]
    assert results[0].message == f"Bucket kms encrypts new objects with SSE-KMS ({KEY_ARN})."
    assert results[1].message == (
        "Bucket s3-managed encrypts with AES256; the settings do not require SSE-KMS for it."
    )
    assert results[2].message == "Bucket plain has no default encryption rule."


def test_sse_kms_required_fails_sse_s3(run_check):
    buckets = [
        bucket("pii-exports", SentinelEncryption=_sse("AES256")),
        bucket("assets", SentinelEncryption=_sse("AES256")),
        bucket("pii-dsse", SentinelEncryption=_sse("aws:kms:dsse")),
    ]
    results = run_check(
        "aws_s3_bucket_sse_kms", inventory(buckets=buckets), s3_sse_kms_buckets=("PII-*",)
    )
    assert [r.status for r in results] == [FAIL, PASS, PASS]
    assert results[0].message == (
        "Bucket pii-exports encrypts with AES256, but the settings require SSE-KMS for it."
    )
    assert results[2].message == (
        "Bucket pii-dsse encrypts new objects with SSE-KMS (the AWS-managed key aws/s3)."
    )
    everywhere = run_check(
        "aws_s3_bucket_sse_kms", inventory(buckets=buckets), s3_require_sse_kms=True
    )
    assert [r.status for r in everywhere] == [FAIL, FAIL, PASS]


def test_sse_kms_edge_unreadable_encryption(run_check):
    denied = bucket(
        "denied",
        SentinelEncryption=None,
        SentinelErrors={"SentinelEncryption": "AccessDenied: no"},
    )
    [result] = run_check("aws_s3_bucket_sse_kms", inventory(buckets=[denied]))
    assert result.status == ERROR
    assert (
        result.message
        == "Could not evaluate bucket denied: encryption unavailable (AccessDenied: no)."
    )
    assert run_check("aws_s3_bucket_sse_kms", inventory(errors=(error("buckets"),))) == []


# ---- aws_ebs_volume_encrypted --------------------------------------------------------------


def _volume(
    vid: str, encrypted: bool, *, attached: str | None = None, state: str = "in-use"
) -> dict:
    return {
        "VolumeId": vid,
        "Encrypted": encrypted,
        "State": state,
        "Size": 8,
        "Attachments": [{"InstanceId": attached, "State": "attached"}] if attached else [],
        **({"KmsKeyId": KEY_ARN} if encrypted else {}),
    }


def test_ebs_volume_encrypted(run_check):
    inv = inventory(
        volumes={REGION: [_volume("vol-ok", True), _volume("vol-bad", False, attached="i-1")]}
    )
    results = run_check("aws_ebs_volume_encrypted", inv)
    volume_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{{}}".format
    assert _ids(results) == [(PASS, volume_arn("vol-ok")), (FAIL, volume_arn("vol-bad"))]
    assert results[1].message == "Volume vol-bad (attached to i-1) stores data unencrypted."
    assert results[1].resource_type == "ebs-volume"


def test_ebs_volume_encrypted_edge(run_check):
    inv = inventory(
        volumes={REGION: [_volume("vol-gone", False, state="deleted")], EU: []},
        errors=(error("volumes", "ap-south-1"),),
    )
    assert run_check("aws_ebs_volume_encrypted", inv) == []


# ---- aws_ebs_snapshot_encrypted ------------------------------------------------------------


def test_ebs_snapshot_encrypted(run_check):
    snaps = [
        {"SnapshotId": "snap-ok", "VolumeId": "vol-1", "Encrypted": True, "OwnerId": ACCOUNT},
        {"SnapshotId": "snap-bad", "VolumeId": "vol-2", "Encrypted": False, "OwnerId": ACCOUNT},
    ]
    results = run_check("aws_ebs_snapshot_encrypted", inventory(snapshots={REGION: snaps}))
    snap_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:snapshot/{{}}".format
    assert _ids(results) == [(PASS, snap_arn("snap-ok")), (FAIL, snap_arn("snap-bad"))]
    assert results[1].message == "Snapshot snap-bad of volume vol-2 is not encrypted."


def test_ebs_snapshot_encrypted_edge_partial_region(run_check):
    # A snapshot whose sharing attribute failed is still judged on its encryption flag.
    snap = {
        "SnapshotId": "snap-x",
        "Encrypted": False,
        "SentinelCreateVolumePermissions": None,
        "SentinelErrors": {"SentinelCreateVolumePermissions": "AccessDenied"},
    }
    inv = inventory(snapshots={REGION: [snap]}, errors=(error("snapshots", REGION),))
    [result] = run_check("aws_ebs_snapshot_encrypted", inv)
    assert (result.status, result.message) == (FAIL, "Snapshot snap-x is not encrypted.")


# ---- aws_logs_group_kms --------------------------------------------------------------------


def _group(name: str, key: str | None = None) -> dict:
    group = {
        "logGroupName": name,
        "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        "retentionInDays": 365,
    }
    if key:
        group["kmsKeyId"] = key
    return group


def test_logs_group_kms_default_settings(run_check):
    doomed = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/doomed"
    keys = [
        _key("k-1", Arn=KEY_ARN),
        _key("doomed", Arn=doomed, KeyState="PendingDeletion", DeletionDate=days_ahead(7)),
    ]
    groups = [_group("/app/api", KEY_ARN), _group("/app/web"), _group("/app/old", doomed)]
    inv = inventory(log_groups={REGION: groups}, kms_keys={REGION: keys})
    results = run_check("aws_logs_group_kms", inv)
    assert [r.status for r in results] == [PASS, PASS, FAIL]
    assert results[0].resource_id == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/api"
    assert results[1].message == (
        "Log group /app/web is encrypted with CloudWatch Logs' own keys; the settings do not "
        "require a KMS key for it."
    )
    assert results[2].message == (
        f"Log group /app/old is encrypted with KMS key {doomed}, which is scheduled for deletion "
        "(deletion on 2024-06-08T00:00:00Z): its events cannot be written or read without the key."
    )


def test_logs_group_kms_required_by_settings(run_check):
    groups = [_group("/audit/trail"), _group("/app/web"), _group("/audit/kms", KEY_ARN)]
    inv = inventory(log_groups={REGION: groups}, kms_keys={REGION: []})
    results = run_check("aws_logs_group_kms", inv, logs_kms_groups=("/audit/*",))
    assert [r.status for r in results] == [FAIL, PASS, PASS]
    assert results[0].message == (
        "Log group /audit/trail has no KMS key, which the settings require for it "
        "(CloudWatch Logs' own keys encrypt it)."
    )
    everywhere = run_check("aws_logs_group_kms", inv, logs_require_kms=True)
    assert [r.status for r in everywhere] == [FAIL, FAIL, PASS]


def test_logs_group_kms_edge_disabled_or_foreign_key(run_check):
    foreign = "arn:aws:kms:us-east-1:999999999999:key/shared"
    disabled = _key("off", KeyState="Disabled")  # the group names it by key id, not ARN
    groups = [_group("/a", foreign), _group("/b", "off")]
    inv = inventory(log_groups={REGION: groups}, kms_keys={REGION: [disabled]})
    results = run_check("aws_logs_group_kms", inv)
    assert [r.status for r in results] == [PASS, FAIL]
    assert "which is disabled:" in results[1].message
    assert results[1].data["keyState"] == "Disabled"
