"""Encryption checks: EBS defaults, KMS rotation, ACM expiry, Secrets Manager rotation."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import ACCOUNT, REGION, days_ago, days_ahead, error, inventory

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
