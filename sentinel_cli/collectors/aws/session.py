"""Turn what the user configured (keys, profile, role, endpoint) into a boto3 session, and prove it.

Credential sources, in order: explicit keys, a named profile, else boto3's default chain
(environment, shared files, SSO, instance role). ``role_arn`` is then assumed *from* that base
identity with session name ``sentinel`` (and ``external_id`` when the role's trust policy demands
one), which is the usual way a compliance tool is granted read-only access to a customer account.

``endpoint_url`` is passed to every client when set; otherwise botocore's own ``AWS_ENDPOINT_URL``
(and per-service ``AWS_ENDPOINT_URL_<SERVICE>``) handling keeps working, so moto or LocalStack need no
special code path. No endpoint is ever hard-coded.

Every refusal becomes :class:`~sentinel_cli.errors.CredentialsRefused` (the user must fix their
credentials) and every unreachable endpoint :class:`~sentinel_cli.errors.ExternalServiceError`
(retrying later may help); messages name the cause and never contain a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.errors import (
    CredentialsRefused,
    EndpointUnreachable,
    InvalidInput,
    UnexpectedAnswer,
)

if TYPE_CHECKING:  # boto3 is imported lazily: `sentinel --help` must not pay for it
    import boto3

SESSION_NAME = "sentinel"

# Error codes AWS uses when it does not accept the caller's credentials.
REFUSED_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "UnrecognizedClientException",
        "AuthFailure",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidIdentityToken",
        "RegionDisabledException",
    }
)

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def check_region_name(region: str) -> None:
    """Reject a value that cannot be an AWS region name before any network call is made."""
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise InvalidInput(
            f"{region!r} is not an AWS region name",
            hint="Use a region code such as us-east-1 or eu-west-1.",
        )


@dataclass(frozen=True)
class AwsCredentials:
    """How to reach one AWS account. Secrets are excluded from ``repr`` so they never reach logs."""

    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    session_token: str | None = field(default=None, repr=False)
    """For temporary keys (e.g. exported from SSO); appended after the agreed fields."""
    egress: EgressPolicy = field(default=UNRESTRICTED, repr=False, compare=False)
    """Where requests may go: under a server, a custom endpoint is re-checked before every send."""


def _sts_config() -> Any:
    from botocore.config import Config

    # Verification should fail fast: a wrong endpoint must not hang the `connect` command.
    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=20,
    )


def _client_error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or "Unknown")


def raise_for_botocore(exc: Exception, what: str) -> None:
    """Map a botocore/boto3 exception raised while establishing identity to a domain error."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        code = _client_error_code(exc)
        if code in REFUSED_CODES:
            raise CredentialsRefused(
                f"AWS refused the credentials while {what} ({code})",
                hint="Check the access key / profile / role, and that the key is active.",
            ) from None
        raise EndpointUnreachable(
            f"AWS answered an unexpected error while {what} ({code})",
            hint="Retry later; if it persists, check the endpoint and region.",
        ) from None
    if isinstance(exc, bce.ProfileNotFound):
        raise CredentialsRefused(
            f"AWS profile not found while {what}",
            hint="List profiles with `aws configure list-profiles`.",
        ) from None
    if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError)):
        raise CredentialsRefused(
            f"No usable AWS credentials found while {what}",
            hint="Give an access key pair, a profile, or run where the default chain finds one.",
        ) from None
    if isinstance(
        exc,
        (
            bce.EndpointConnectionError,
            bce.ConnectTimeoutError,
            bce.ReadTimeoutError,
            bce.ConnectionClosedError,
            bce.SSLError,
            bce.HTTPClientError,
        ),
    ):
        raise EndpointUnreachable(
            f"Could not reach AWS while {what} ({type(exc).__name__})",
            hint="Check network access, the region and any custom endpoint URL.",
        ) from None
    if isinstance(exc, bce.ParamValidationError):
        # botocore's text may quote the value, which could be an external id: keep it out.
        raise InvalidInput(
            f"An AWS parameter was rejected as malformed while {what}",
            hint="Check the role ARN (arn:aws:iam::<account>:role/<name>) and that the external "
            "id is 2-1224 characters.",
        ) from None
    if isinstance(exc, bce.BotoCoreError):
        # SSO token expired, credential_process failed, ...: the credentials are the problem.
        raise CredentialsRefused(
            f"Could not obtain AWS credentials while {what} ({type(exc).__name__})",
            hint="Refresh the profile's login (e.g. `aws sso login`) or give keys explicitly.",
        ) from None
    raise exc


def build_session(creds: AwsCredentials) -> boto3.Session:
    """A boto3 session for ``creds``; assumes ``creds.role_arn`` when set.

    Raises CredentialsRefused for half a key pair, an unknown profile or a role that cannot be
    assumed, and ExternalServiceError when STS cannot be reached.
    """
    import boto3
    from botocore import exceptions as bce

    check_region_name(creds.region)
    if bool(creds.access_key_id) != bool(creds.secret_access_key):
        raise CredentialsRefused(
            "An AWS access key needs both its id and its secret",
            hint="Give both --access-key-id and --secret-access-key, or neither.",
        )
    try:
        if creds.access_key_id:
            base = boto3.Session(
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
                region_name=creds.region,
            )
        elif creds.profile:
            base = boto3.Session(profile_name=creds.profile, region_name=creds.region)
        else:
            base = boto3.Session(region_name=creds.region)
        guard_session(base, creds)
    except bce.ProfileNotFound:
        raise CredentialsRefused(
            f"AWS profile {creds.profile!r} was not found",
            hint="List profiles with `aws configure list-profiles`.",
        ) from None
    if not creds.role_arn:
        return base

    params: dict[str, Any] = {"RoleArn": creds.role_arn, "RoleSessionName": SESSION_NAME}
    if creds.external_id:
        params["ExternalId"] = creds.external_id
    from botocore.parsers import ResponseParserError

    try:
        sts = base.client("sts", endpoint_url=creds.endpoint_url, config=_sts_config())
        assumed = sts.assume_role(**params)["Credentials"]
    except (ResponseParserError, KeyError, TypeError) as exc:
        raise _not_sts(creds.endpoint_url) from exc
    except (bce.ClientError, bce.BotoCoreError) as exc:
        if isinstance(exc, bce.ClientError):
            code = _client_error_code(exc)
            if code in REFUSED_CODES or code in {"ValidationError", "MalformedPolicyDocument"}:
                raise CredentialsRefused(
                    f"Could not assume role {creds.role_arn} ({code})",
                    hint="Check the role's trust policy (principal and external id) and the "
                    "base identity's sts:AssumeRole permission.",
                ) from None
        raise_for_botocore(exc, f"assuming role {creds.role_arn}")
        raise  # unreachable: raise_for_botocore always raises
    return temporary_session(assumed, creds)


def temporary_session(assumed: Any, creds: AwsCredentials) -> boto3.Session:
    """A session on the ``Credentials`` of an ``AssumeRole`` answer, guarded like ``creds``'s.

    Static temporary credentials (default one hour) outlast a collection; a refreshable provider
    would need botocore internals for little gain.
    """
    import boto3

    session = boto3.Session(
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
        region_name=creds.region,
    )
    guard_session(session, creds)
    return session


def guard_session(session: Any, creds: AwsCredentials) -> None:
    """Under a server, check a custom endpoint's host again right before every request is sent.

    Registered last on the session's public event emitter, which every client made from the
    session copies, so it sees the final URL (after S3 Control's host fix) of each attempt.
    """
    from sentinel_cli.collectors.aws.engine import is_custom_endpoint

    if not (creds.egress.restricted and is_custom_endpoint(creds.endpoint_url)):
        return
    policy = creds.egress

    def check(request: Any, **_: Any) -> None:
        policy.check_url(request.url, field="endpointUrl")

    session.events.register_last("before-send", check)


def caller_identity(sts_client: Any) -> dict[str, str]:
    """STS GetCallerIdentity as ``{"accountId", "arn", "userId"}``, with errors mapped."""
    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    try:
        resp = sts_client.get_caller_identity()
        return {"accountId": resp["Account"], "arn": resp["Arn"], "userId": resp["UserId"]}
    except (ResponseParserError, KeyError, TypeError) as exc:
        # An endpoint that is not STS (a web page, a proxy's error page): botocore's XML parser
        # fails (ResponseParserError) or finds no result element (KeyError) in the answer.
        raise _not_sts(getattr(getattr(sts_client, "meta", None), "endpoint_url", None)) from exc
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise_for_botocore(exc, "checking the caller identity")
        raise  # unreachable


def _not_sts(endpoint: str | None) -> UnexpectedAnswer:
    return UnexpectedAnswer(
        f"{endpoint or 'the endpoint'} did not answer like AWS STS: the response is not the "
        "expected XML",
        hint="Check the custom endpoint URL (endpointUrl / --endpoint-url); it must be an AWS "
        "API endpoint or an emulator such as LocalStack or moto.",
    )


def verify_aws(creds: AwsCredentials) -> dict[str, str]:
    """Prove the credentials work: STS GetCallerIdentity -> ``{"accountId", "arn", "userId"}``."""
    from botocore import exceptions as bce

    session = build_session(creds)
    try:
        sts = session.client("sts", endpoint_url=creds.endpoint_url, config=_sts_config())
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise_for_botocore(exc, "creating the STS client")
        raise  # unreachable
    return caller_identity(sts)


def plain_client(
    session: Any, service: str, *, region: str, endpoint_url: str | None = None
) -> Any:
    """A client with the collector's endpoint handling but none of its bookkeeping.

    Path-style S3 and the S3 Control host fix are applied on custom endpoints (moto, LocalStack),
    exactly as in a collection; there is no call counting and botocore's default retries apply.
    For seeding test accounts and ad-hoc scripts, which must not import boto3 themselves.
    """
    from botocore.config import Config

    from sentinel_cli.collectors.aws.engine import is_custom_endpoint, restore_endpoint_host

    config = Config(s3={"addressing_style": "path"}) if is_custom_endpoint(endpoint_url) else None
    client = session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)
    if service == "s3control" and is_custom_endpoint(client.meta.endpoint_url):
        client.meta.events.register(
            "before-send.s3-control.*", restore_endpoint_host(client.meta.endpoint_url)
        )
    return client
