"""Issue 19 part 2 end to end: an AWS organisation of three member accounts, one of which cannot be
entered, connected and collected through the CLI against a moto server on 127.0.0.1 that enforces
IAM authorisation; then the ``--account`` filter through the CLI (fast path and Typer) and the API.

How the third account is made impossible to enter, for real: moto lets anyone assume a role that
does not exist (and never evaluates a cross-account role's trust policy), so a missing role alone
would not be refused. With authorisation enforced, moto does evaluate the *caller's* IAM policy
for ``sts:AssumeRole`` against the role ARN. The management identity Sentinel connects with is
allowed ``sts:AssumeRole`` only on the member role of the two accounts where the role is deployed,
so in the third account AssumeRole answers ``AccessDenied`` exactly as AWS does when a role is not
deployed or not trusted. ``test_moto_refuses_the_third_account_for_real`` pins that behaviour.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel_cli.collectors.aws.session import AwsCredentials, build_session, plain_client
from sentinel_cli.standins.aws_org_seed import OrgManifest, seed_organization
from sentinel_cli.standins.moto_server import MOTO_ENV, running_moto_server, set_moto_auth
from tests.helpers.cli import Cli
from tests.helpers.server import Server, add_users, assert_error, data_of, login, server_env

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
ROLE = "SentinelAudit"
EXTERNAL_ID = "sentinel-org-e2e-7"
MEMBERS = ("prod", "staging", "locked")
ADMIN = "org-admin@example.com"
CHECK = "aws_organizations_accounts_audited"


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[str, OrgManifest]]:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in MOTO_ENV.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        # A subprocess: enforcing authorisation there cannot reach any other test's moto.
        with running_moto_server() as endpoint:
            base = AwsCredentials(
                region=REGION,
                access_key_id="AKIASEEDSEEDSEEDSEED",
                secret_access_key="seed",
                endpoint_url=endpoint,
            )
            manifest = seed_organization(
                base,
                members=MEMBERS,
                role_name=ROLE,
                role_in=("prod", "staging"),
                external_id=EXTERNAL_ID,
                auditor=True,
            )
            for name in ("prod", "staging"):
                # A finding of each member's own: a console user without MFA.
                session = build_session(manifest.member_credentials(base, name))
                iam = plain_client(session, "iam", region=REGION, endpoint_url=endpoint)
                iam.create_user(UserName=f"{name}-admin")
                iam.create_login_profile(UserName=f"{name}-admin", Password="Seed-Passw0rd-X!")
            set_moto_auth(endpoint, initial_no_auth_action_count=0)
            yield endpoint, manifest


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # moto's missing APIs need no retries
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in MOTO_ENV.items():
        monkeypatch.setenv(key, value)


def _role(m: OrgManifest, name: str) -> str:
    return f"arn:aws:iam::{m.members[name]}:role/{ROLE}"


def test_moto_refuses_the_third_account_for_real(org: tuple[str, OrgManifest]) -> None:
    """The failure the end-to-end test relies on is moto's own IAM evaluation, not a mock."""
    from botocore.exceptions import ClientError

    endpoint, m = org
    auditor = AwsCredentials(
        region=REGION,
        access_key_id=m.auditor_key_id,
        secret_access_key=m.auditor_secret,
        endpoint_url=endpoint,
    )
    sts = plain_client(build_session(auditor), "sts", region=REGION, endpoint_url=endpoint)
    entered = sts.assume_role(RoleArn=_role(m, "prod"), RoleSessionName="probe")
    assert entered["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{m.members['prod']}:")
    with pytest.raises(ClientError) as refused:
        sts.assume_role(RoleArn=_role(m, "locked"), RoleSessionName="probe")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # Authorisation is really on: an unknown key is refused outright.
    stranger = AwsCredentials(
        region=REGION, access_key_id="AKIANOBODYNOBODY0000", secret_access_key="x",
        endpoint_url=endpoint,
    )  # fmt: skip
    with pytest.raises(ClientError):
        plain_client(
            build_session(stranger), "sts", region=REGION, endpoint_url=endpoint
        ).assume_role(RoleArn=_role(m, "prod"), RoleSessionName="probe")


def _connect(cli: Cli, endpoint: str, m: OrgManifest, *extra: str) -> Any:
    return cli(
        "integrations",
        "connect",
        "aws",
        "--organization",
        "--member-role",
        ROLE,
        "--external-id",
        EXTERNAL_ID,
        "--access-key-id",
        str(m.auditor_key_id),
        "--secret-access-key-stdin",
        "--endpoint-url",
        endpoint,
        "--regions",
        REGION,
        "--json",
        *extra,
        input=f"{m.auditor_secret}\n",
    )


def _listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("evidence", "list", "--all", "--fail-on", "none", "--json", *args)
    assert result.exit_code == 0, result.stderr
    items: list[dict[str, Any]] = result.json()["evidence"]
    return items


def test_an_organisation_through_the_cli(
    cli: Cli, org: tuple[str, OrgManifest], home: Path
) -> None:
    endpoint, m = org
    prod, staging, locked = (m.members[n] for n in MEMBERS)

    connected = _connect(cli, endpoint, m)
    assert connected.exit_code == 0, connected.stderr
    integration = connected.json()["integration"]
    assert integration["accountId"] == m.management_id
    assert integration["organization"] is True and integration["memberRoleName"] == ROLE
    assert integration["externalId"] == EXTERNAL_ID
    assert integration["name"] == f"AWS organization {m.management_id}"

    collected = cli("collect", "--json")
    assert collected.exit_code == 0, collected.stderr
    (job,) = collected.json()["jobs"]
    assert job["status"] == "PARTIAL", job

    items = _listed(cli)
    assert len(items) == job["totalCount"]
    by_account = Counter(i["accountId"] for i in items)
    # The management account's evidence and the two members', each under its own account id.
    assert set(by_account) == {m.management_id, prod, staging, locked}, by_account
    assert min(by_account[a] for a in (m.management_id, prod, staging)) > 40, by_account
    # The account that could not be entered: one ERROR item naming it and the reason.
    (refused,) = [i for i in items if i["accountId"] == locked]
    assert (refused["checkId"], refused["status"]) == (CHECK, "ERROR")
    assert refused["resourceId"] == locked and locked in refused["message"]
    assert "AccessDenied" in refused["message"] and _role(m, "locked") in refused["message"]
    audited = {i["resourceId"]: i["status"] for i in items if i["checkId"] == CHECK}
    assert audited == {m.management_id: "PASS", prod: "PASS", staging: "PASS", locked: "ERROR"}
    # Each member's own finding is that member's.
    mfa = {
        i["resourceId"]: i["accountId"]
        for i in items
        if i["checkId"] == "aws_iam_user_console_mfa" and i["status"] == "FAIL"
    }
    assert mfa == {
        f"arn:aws:iam::{prod}:user/prod-admin": prod,
        f"arn:aws:iam::{staging}:user/staging-admin": staging,
    }
    assert all(i["region"] in (None, REGION) for i in items)

    # --account through the fast path (the Cli fixture runs the console entry point).
    only_prod = _listed(cli, "--account", prod)
    assert only_prod and {i["accountId"] for i in only_prod} == {prod}
    assert len(only_prod) == by_account[prod]
    assert f"arn:aws:iam::{prod}:user/prod-admin" in {i["resourceId"] for i in only_prod}
    assert [i["id"] for i in _listed(cli, "--account", locked)] == [refused["id"]]
    # ... and through Typer: the same answer.
    from sentinel_cli.cli import app

    typer_run = CliRunner().invoke(
        app, ["evidence", "list", "--account", prod, "--all", "--fail-on", "none", "--json"]
    )
    assert typer_run.exit_code == 0, typer_run.stderr
    assert [i["id"] for i in json.loads(typer_run.stdout)["evidence"]] == [
        i["id"] for i in only_prod
    ]
    gated = cli("evidence", "--account", prod, "--status", "FAIL")
    assert gated.exit_code == 1  # prod has failures: the gate sees only prod's items

    stats = cli("evidence", "stats", "--account", staging, "--json").json()
    assert stats["total"] == by_account[staging]
    assert [c["integrationId"] for c in stats["collections"]] == [integration["id"]]
    everything = cli("evidence", "compliance", "--framework", "SOC2", "--json").json()
    one = cli(
        "evidence", "compliance", "--framework", "SOC2", "--account", staging, "--json"
    ).json()
    assert 0 < one["totals"]["evidence"]["total"] < everything["totals"]["evidence"]["total"]
    staging_ids = {i["id"] for i in items if i["accountId"] == staging}
    listed_ids = {e for c in one["controls"] for e in c["evidenceIds"]}
    assert listed_ids and listed_ids <= staging_ids
    bad = cli("evidence", "stats", "--account", "prod", "--json")
    assert bad.exit_code == 2 and "--account" in bad.stderr

    _check_the_api(home, prod, staging, by_account, endpoint, m)


def _check_the_api(
    home: Path,
    prod: str,
    staging: str,
    by_account: Counter[str],
    endpoint: str,
    m: OrgManifest,
) -> None:
    """The same store served: ``accountId`` filters the evidence, its stats and compliance; an
    organisation connects through the API body, under the server's outbound rule."""
    server = Server(home, server_env(home, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1"))
    add_users(server.settings, (ADMIN, "ADMIN"))
    server.start()
    try:
        with server.client(login(server, ADMIN)) as api:
            page = data_of(api.get("/api/evidence", params={"accountId": prod, "limit": 1000}))
            assert {i["accountId"] for i in page["evidence"]} == {prod}
            assert page["pagination"]["total"] == by_account[prod]
            stats = data_of(api.get("/api/evidence/stats", params={"accountId": staging}))
            assert stats["total"] == by_account[staging]
            compliance = data_of(
                api.get("/api/evidence/compliance", params={"framework": "SOC2", "accountId": prod})
            )
            assert compliance["totals"]["evidence"]["total"] > 0
            assert_error(api.get("/api/evidence", params={"accountId": "12"}), 400, "account")

            body = {
                "name": "org via api",
                "organization": True,
                "memberRoleName": ROLE,
                "externalId": EXTERNAL_ID,
                "accessKeyId": m.auditor_key_id,
                "secretAccessKey": m.auditor_secret,
                "endpointUrl": endpoint,
                "regions": [REGION],
            }
            made = data_of(api.post("/api/integrations/aws/connect", json=body), 201)
            assert made["integration"]["organization"] is True
            assert made["integration"]["accountId"] == m.management_id
            assert made["integration"]["memberRoleName"] == ROLE
            # As for any AWS connect on a server: the server's own credentials are not lent.
            ambient = {k: v for k, v in body.items() if k not in ("accessKeyId", "secretAccessKey")}
            no_keys = api.post("/api/integrations/aws/connect", json=ambient)
            assert no_keys.status_code == 400, no_keys.text
            assert m.auditor_secret not in no_keys.text
    finally:
        server.stop()
