"""Every row of the table of use cases, run locally and through a real server: same results.

Two homes start as byte-for-byte copies of one seeded store (the evidence estate of
``tests/helpers/estate.py`` plus users). ``sentinel serve`` serves the first; the second is
used by a ``LocalBackend`` on this machine. The walk runs each use case once on each side, in the
same order, so state changes (an exception added, a policy generated, a user removed) happen on
both, and compares what came back: the same value (ids, times and hashes the two sides generate
independently are masked), or the same error class and message. A row missing from ``STEPS`` fails
the test, so a new use case cannot skip it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sentinel_cli.client.connection import ClientConfig
from sentinel_cli.client.local import LocalBackend
from sentinel_cli.client.remote import RemoteBackend
from sentinel_cli.config import Settings
from sentinel_cli.errors import SentinelError
from sentinel_cli.operations.usecases import BY_NAME, USE_CASES
from sentinel_cli.store import open_store
from tests.helpers.estate import build_estate
from tests.helpers.server import Server, add_users, login, server_env
from tests.notify.receiver import http_receiver

ADMIN = "walk-admin@example.com"
Value = Any | Callable[["Side"], Any]


@dataclass
class Side:
    backend: Any
    results: dict[str, Any] = field(default_factory=dict)


def _first_evidence(side: Side) -> str:
    return str(side.results["evidence_page"]["evidence"][0]["id"])


def _policy(side: Side) -> str:
    return str(side.results["generate_policy"]["policy"]["id"])


def _report(side: Side) -> str:
    return str(side.results["generate_report"]["report"]["id"])


def _job(side: Side) -> str:
    return str(side.results["list_jobs"][0]["id"])


def _exception(side: Side) -> str:
    return str(side.results["add_exception"]["exception"]["id"])


def _receiver(side: Side) -> str:
    return str(side.results["receiver"])


def _destination(side: Side) -> str:
    return str(side.results["add_notification"]["destination"]["id"])


def _integration(label: str) -> Callable[[Side], str]:
    return lambda side: str(side.results["integrations"][label])


# Each use case once, in an order where every step finds what it needs; values may depend on
# what an earlier step returned on the same side (ids generated there).
STEPS: list[tuple[str, dict[str, Value]]] = [
    ("update_subscription", {"tier": "ENTERPRISE"}),
    ("subscription", {}),
    ("list_plans", {}),
    ("limits_integrations", {}),
    ("limits_checks", {"enforce": True}),
    ("list_integrations", {}),
    ("get_integration", {"integration_id": _integration("prod")}),
    ("list_jobs", {"integration_id": _integration("prod"), "limit": 3}),
    ("get_job", {"job_id": _job}),
    ("job_changes", {"job_id": "latest", "integration": _integration("prod"), "limit": 5}),
    ("set_schedule", {"integration_id": _integration("prod"), "every": "90m"}),
    ("get_schedule", {"integration_id": _integration("prod")}),
    ("list_schedules", {}),
    ("list_workers", {}),
    ("remove_schedule", {"integration_id": _integration("prod")}),
    (
        "evidence_page",
        {"status": ["FAIL", "WARNING"], "account": "111122223333", "limit": 5, "fail_on": "FAIL"},
    ),
    ("get_evidence", {"evidence_id": _first_evidence}),
    ("evidence_stats", {"integration": _integration("prod"), "account": "111122223333"}),
    ("compliance_summary", {"framework": "SOC2", "all_ids": True, "account": "444455556666"}),
    ("dashboard", {"days": "7"}),
    ("list_checks", {"provider": ["AWS"], "severity": ["critical"]}),
    ("get_check", {"check_id": "aws_s3_tls_only"}),
    (
        "add_exception",
        {
            "check_id": "aws_iam_root_mfa",
            "resource": "arn:aws:iam::*",
            "reason": "walk",
            "owner": "owner@example.com",
            "expires": "2099-01-01",
        },
    ),
    ("remove_exception", {"exception_id": _exception}),
    ("list_exceptions", {"include_all": True}),
    ("list_templates", {}),
    ("set_profile", {"values": {"companyName": "Walk Co", "securityOfficer": "Ada"}}),
    ("unset_profile", {"key": "securityOfficer"}),
    ("get_profile", {}),
    ("generate_policy", {"template_id": "backup-policy", "custom_data": {"industry": "SaaS"}}),
    ("list_policies", {"all_versions": True}),
    ("get_policy", {"policy_id": _policy}),
    ("approve_policy", {"policy_id": _policy, "approver": ADMIN}),  # refused: fields missing
    ("download_policy", {"policy_id": _policy, "format": "md"}),
    ("generate_report", {"report_type": "EXECUTIVE_SUMMARY"}),
    ("list_reports", {}),
    ("download_report", {"report_id": _report}),
    (
        "connect_aws",
        {
            "name": "walk aws",
            "access_key_id": "AKIAWALKWALKWALKWALK",
            "secret_access_key": "walk-secret",
            "verify": False,
            "organization": True,
            "member_role_name": "SentinelAudit",
            "external_id": "walk-external-id",
        },
    ),
    (
        "connect_github",
        {
            "org": "walk-org",
            "token": "ghp_walk",
            "verify": False,
            "allowed_outside_collaborators": ["octo"],
            "review_period_days": 30,
        },
    ),
    ("remove_integration", {"integration_id": _integration("staging")}),
    (
        "add_notification",
        {
            "kind": "webhook",
            "url": _receiver,
            "events": "new-failures,fixed",
            "min_severity": "high",
        },
    ),
    ("list_notifications", {}),
    ("test_notification", {"destination_id": _destination}),
    ("list_notification_deliveries", {"destination": _destination, "limit": 5}),
    (
        "set_smtp",
        {
            "host": "127.0.0.1",
            "port": 2525,
            "user": "mailer",
            "password": "walk-smtp-secret",
            "from_address": "alerts@example.com",
        },
    ),
    ("get_smtp", {}),
    ("remove_notification", {"destination_id": _destination}),
    ("list_users", {}),
    ("add_user", {"email": "new@example.com", "role": "VIEWER", "password": "a long passphrase"}),
    ("get_user", {"ident": "new@example.com"}),
    ("update_user", {"ident": "new@example.com", "role": "MEMBER"}),
    ("set_user_password", {"ident": "new@example.com", "password": "another long passphrase"}),
    ("remove_user", {"ident": "new@example.com"}),
    ("list_activity", {"limit": 30}),
]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PREFIX = re.compile(r"\b[0-9a-f]{8}\b")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
SHA = re.compile(r"\b[0-9a-f]{64}\b")
# A PDF's size moves with the ids and times printed in it; only the server's admin has logged in.
VOLATILE = frozenset({"size", "lastLoginAt"})


def _mask(value: Any) -> Any:
    """Ids, times and hashes each side made on its own; the remote side's actor is the admin."""
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    if isinstance(value, str):
        if value == ADMIN:
            return None
        text = SHA.sub("<sha>", TIME.sub("<time>", UUID.sub("<id>", value)))
        return PREFIX.sub("<id8>", text)
    return value


def _outcome(side: Side, name: str, values: dict[str, Value]) -> tuple[str, Any]:
    bound = {k: v(side) if callable(v) else v for k, v in values.items()}
    case = BY_NAME[name]
    try:
        result = side.backend.run(case, bound)
    except SentinelError as exc:
        return "error", (type(exc).__name__, exc.message, exc.hint)
    side.results[name] = result
    if case.document:
        return "document", (
            result.media_type.split(";")[0],
            _mask(result.filename),
            len(result.content) > 0,
        )
    return "value", _mask(result)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side]]:
    root = tmp_path_factory.mktemp("walk")
    served, local = root / "served", root / "local"
    served.mkdir()
    srv = Server(
        served,
        # The walk connects integrations to stand-ins on loopback: allowed explicitly.
        server_env(
            served, SENTINEL_RATE_LIMIT="100000/900", SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1"
        ),
    )
    with open_store(srv.settings) as store:
        labels = build_estate(store).integrations
    add_users(srv.settings, (ADMIN, "ADMIN"))
    shutil.copytree(served, local)
    srv.start()
    try:
        # Both sides send their notification test message to this receiver.
        with http_receiver() as hook:
            remote = RemoteBackend(ClientConfig(server=srv.url, email=ADMIN), login(srv, ADMIN))
            here = LocalBackend(Settings.from_env(server_env(local)))
            pair = (Side(remote), Side(here))
            for side in pair:
                side.results["integrations"] = labels
                side.results["receiver"] = hook.url
            yield pair
            remote.close()
            here.close()
            assert len(hook.requests) == 2, hook.requests
    finally:
        srv.stop()


def test_every_use_case_is_walked_once() -> None:
    names = [name for name, _ in STEPS]
    assert len(names) == len(set(names))
    assert set(names) == {case.name for case in USE_CASES}


def test_each_use_case_answers_the_same_locally_and_through_the_server(
    sides: tuple[Side, Side],
) -> None:
    remote, local = sides
    outcomes: dict[str, tuple[str, Any]] = {}
    for name, values in STEPS:
        over_http = _outcome(remote, name, values)
        on_disk = _outcome(local, name, values)
        if name == "list_workers":
            # The one row whose answer differs by design: the server's embedded worker is alive
            # in the served store; no worker ever ran on the local copy.
            assert on_disk == ("value", []), on_disk
            assert over_http[0] == "value" and [w["concurrency"] for w in over_http[1]] == [2]
        else:
            assert over_http == on_disk, name
        outcomes[name] = over_http
    # The walk exercised real answers, not a row of identical errors.
    errors = sorted(name for name, (kind, _) in outcomes.items() if kind == "error")
    assert errors == ["approve_policy"], errors
    assert "securityOfficer" in outcomes["approve_policy"][1][1]
    assert outcomes["download_report"][1][0] == "application/pdf"
    # Values that only show when a parameter reached the operation: the removed exception is
    # listed with include_all, the profile lost the unset key.
    assert [e["state"] for e in outcomes["list_exceptions"][1]["exceptions"]] == ["REMOVED"]
    assert "securityOfficer" not in outcomes["get_profile"][1]
    # The account filter reached listing, stats and compliance; the organisation reached connect.
    page = outcomes["evidence_page"][1]
    assert page["evidence"] and {i["accountId"] for i in page["evidence"]} == {"111122223333"}
    assert outcomes["evidence_stats"][1]["total"] == 13  # prod's current items
    assert outcomes["compliance_summary"][1]["totals"]["evidence"]["total"] == 1  # staging's
    changes = outcomes["job_changes"][1]  # prod's latest finished collection: bob's key
    assert [i["resourceId"] for i in changes["newlyFailing"]] == [
        "arn:aws:iam::111122223333:user/bob"
    ]
    # A schedule set on one integration is read, listed and removed as it was set.
    schedule = outcomes["set_schedule"][1]
    assert schedule["integrationName"] == "prod" and schedule["every"] == "90m"
    assert outcomes["get_schedule"][1] == schedule == outcomes["remove_schedule"][1]
    assert outcomes["list_schedules"][1] == [schedule]
    # The test message reached the receiver from both sides; no secret came back.
    assert outcomes["test_notification"][1]["status"] == "DELIVERED"
    assert outcomes["list_notification_deliveries"][1][0]["event"] == "test"
    assert outcomes["add_notification"][1]["signingSecret"] == "<sha>"
    assert outcomes["get_smtp"][1]["passwordSet"] is True
    assert "walk-smtp-secret" not in repr(remote.results)
    connected = outcomes["connect_aws"][1]
    assert connected["organization"] is True
    assert connected["memberRoleName"] == "SentinelAudit"
    actions = [entry["action"] for entry in outcomes["list_activity"][1]]
    assert actions[0] == "user.removed" and "integration.connected" in actions, actions
    # Connect answers never carry the secrets they were given.
    assert "walk-secret" not in repr(remote.results) and "ghp_walk" not in repr(remote.results)
