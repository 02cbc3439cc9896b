"""Encryption and key-management checks: EBS defaults, KMS rotation, ACM certificates, secrets.

ACM certificates are judged on time left: an expired certificate is a FAIL (clients already reject
it); one expiring within ``acm_expiry_warning_days`` is a WARNING, since it still works and the
finding is inside its remediation window. Secrets Manager rotation counts only when it actually
happened: rotation switched on but not performed within ``secrets_rotation_max_days`` (a failing
rotation Lambda, say) is a FAIL.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    age_days,
    arn,
    evaluation_time,
    iso,
    joined_setting,
    parse_time,
    regional,
    resource_error,
)
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


@check("aws_ebs_default_encryption")
def ebs_default_encryption(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    account, kind = inv.account_resource
    for region, enabled in regional(inv, "ebs_default_encryption"):
        ok = enabled is True
        yield CheckResult(
            "aws_ebs_default_encryption",
            PASS if ok else FAIL,
            account,
            kind,
            f"New EBS volumes in {region} are encrypted by default."
            if ok
            else f"EBS encryption by default is off in {region}.",
            region=region,
            data={"EbsEncryptionByDefault": enabled},
        )


def _key_spec(key: Mapping[str, Any]) -> str:
    return str(key.get("KeySpec") or key.get("CustomerMasterKeySpec") or "")


@check("aws_kms_rotation")
def kms_rotation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Enabled customer-managed SYMMETRIC_DEFAULT keys with AWS-generated material rotate yearly.

    AWS-managed keys rotate on their own; asymmetric, HMAC, imported (EXTERNAL) and custom key
    store keys cannot use automatic rotation, and disabled or pending-deletion keys protect nothing
    new, so none of those get a result.
    """
    for region, keys in regional(inv, "kms_keys", partial_ok=True):
        for key in keys or []:
            if key.get("KeyManager", "CUSTOMER") != "CUSTOMER":
                continue
            if _key_spec(key) != "SYMMETRIC_DEFAULT" or key.get("KeyState") != "Enabled":
                continue
            if key.get("Origin", "AWS_KMS") != "AWS_KMS":
                continue
            key_id = key.get("KeyId")
            resource = str(key.get("Arn") or arn("kms", region, inv.account_id, f"key/{key_id}"))
            rotation, problem = joined_setting(key, "SentinelRotationEnabled")
            if problem or rotation is None:
                status = ERROR
                message = (
                    f"Could not evaluate key {key_id}: its rotation status is unavailable "
                    f"({problem or 'none recorded'})."
                )
            elif rotation:
                status, message = PASS, f"KMS key {key_id} rotates its key material automatically."
            else:
                status, message = FAIL, f"KMS key {key_id} does not rotate its key material."
            yield CheckResult(
                "aws_kms_rotation",
                status,
                resource,
                "kms-key",
                message,
                region=region,
                data={"KeyId": key_id, "KeySpec": _key_spec(key), "RotationEnabled": rotation},
            )


@check("aws_acm_expiry")
def acm_expiry(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Issued certificates are valid for more than ``acm_expiry_warning_days``.

    Certificates without a NotAfter (pending validation, failed) were never issued and have
    nothing to expire, so they get no result, unless describe_certificate failed for them
    (``SentinelErrors``): then they are ERROR.
    """
    now = evaluation_time(inv, settings)
    limit = settings.acm_expiry_warning_days
    for region, certs in regional(inv, "certificates", partial_ok=True):
        for cert in certs or []:
            not_after = parse_time(cert.get("NotAfter"))
            domain = cert.get("DomainName")
            problem = resource_error(cert)
            if not_after is None and problem:
                yield CheckResult(
                    "aws_acm_expiry",
                    ERROR,
                    str(cert.get("CertificateArn")),
                    "acm-certificate",
                    f"Could not evaluate certificate for {domain}: {problem}.",
                    region=region,
                    data={"DomainName": domain, "error": problem},
                )
                continue
            if not_after is None:
                continue
            days = age_days(now, not_after)
            if days < 0:
                status, message = FAIL, f"Certificate for {domain} expired on {iso(not_after)}."
            elif days <= limit:
                status = WARNING
                message = (
                    f"Certificate for {domain} expires in {int(days)} day(s), on {iso(not_after)}."
                )
            else:
                status, message = PASS, f"Certificate for {domain} is valid until {iso(not_after)}."
            yield CheckResult(
                "aws_acm_expiry",
                status,
                str(cert.get("CertificateArn")),
                "acm-certificate",
                message,
                region=region,
                data={
                    "DomainName": domain,
                    "NotAfter": iso(not_after),
                    "daysLeft": math.floor(days),
                    "Status": cert.get("Status"),
                    "Type": cert.get("Type"),
                    "InUseBy": list(cert.get("InUseBy") or []),
                },
            )


@check("aws_secrets_rotation")
def secrets_rotation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Secrets rotate automatically and last rotated within ``secrets_rotation_max_days``.

    A secret with rotation on that never rotated is measured from its creation date.
    """
    now = evaluation_time(inv, settings)
    limit = settings.secrets_rotation_max_days
    for region, secrets in regional(inv, "secrets", partial_ok=True):
        for secret in secrets or []:
            name = secret.get("Name")
            resource = str(
                secret.get("ARN") or arn("secretsmanager", region, inv.account_id, f"secret:{name}")
            )
            enabled = bool(secret.get("RotationEnabled"))
            last = parse_time(secret.get("LastRotatedDate")) or parse_time(
                secret.get("CreatedDate")
            )
            data = {
                "Name": name,
                "RotationEnabled": enabled,
                "LastRotatedDate": iso(parse_time(secret.get("LastRotatedDate"))),
                "AutomaticallyAfterDays": (secret.get("RotationRules") or {}).get(
                    "AutomaticallyAfterDays"
                ),
            }
            if not enabled:
                status, message = FAIL, f"Secret {name} has no automatic rotation."
            elif last is None:
                status = ERROR
                message = (
                    f"Could not evaluate: secret {name} has neither a rotation nor a creation date."
                )
            elif age_days(last, now) > limit:
                status = FAIL
                days = int(age_days(last, now))
                message = (
                    f"Secret {name} has rotation on but last rotated {days} days ago "
                    f"(limit {limit})."
                )
            else:
                status = PASS
                message = f"Secret {name} rotates automatically (last on {iso(last)})."
            yield CheckResult(
                "aws_secrets_rotation",
                status,
                resource,
                "secret",
                message,
                region=region,
                data=data,
            )
