"""Schemathesis against ``/api/openapi.json`` of a real server, with an ADMIN token, bounded.

Runs the ``st`` CLI (schemathesis 4) on a server of its own (the fuzzer adds users and may change
things the other tests rely on) for every operation except the two connect routes, whose default
``verify: true`` would send generated credentials to AWS and GitHub, and logout and the own-password
change, which could end the token the fuzzer sends. Checks: no 5xx, responses match
their documented status codes, content types, headers and schemas, schema-violating requests are
refused, and authenticated operations refuse requests without a token.

Two checks are left out on purpose: ``positive_data_acceptance`` (the schema types query values as
free strings, e.g. ``status``, while the operations accept only known values and answer 400 naming
them), and ``allow_header_conformance`` (``/api/policies/generate`` also matches
``GET /api/policies/{policy_id}``, so ``Allow`` truthfully lists GET there).

Random identifiers make nearly every write answer 404, so a second run targets the write methods
(POST/PATCH/DELETE) on a seeded throwaway store: its path parameters are fixed to identifiers that
exist there (users, an exception, a policy, an integration, a profile field) and body fields are
drawn mostly from values the operations accept, so the generated requests reach the operations. It checks only "no 5xx": 4xx are the right answer to most
generated bodies.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis  # noqa: F401  # a test dependency: missing means the install is broken

from tests.helpers.dialect import database_env
from tests.helpers.estate import build_estate
from tests.helpers.server import Server, add_users, login, running_server, server_env

CHECKS_EXCLUDED = "positive_data_acceptance,allow_header_conformance"
WRITES = ("POST", "PATCH", "DELETE")
# Outbound requests to generated hosts are not allowed in this sandbox (only 127.0.0.1): the
# connect routes would send generated credentials to AWS/GitHub or to a generated
# endpointUrl/baseUrl, and collect on a seeded integration would call the provider's API.
OUTBOUND = r"^/api/integrations/(aws/connect|github/connect|\{integration_id\}/collect)$"
# Logging out, or changing the admin's own password, could end the very token the fuzzer sends,
# leaving nothing but 401s (the spare user's password route still runs).
OWN_SESSION = r"^/api/auth/(logout|password)$"
# Adding a notification destination resolves its URL's host under the server's outbound rule, and a
# test message is sent to it: generated URLs must not reach a DNS resolver or the network. (Filters
# of different kinds combine with AND in st, so this is a path filter: it also leaves out the
# listing at the same path, which the notification tests and the use-case walk cover.)
NOTIFY_OUTBOUND = r"^/api/notifications(/\{destination_id\}/test)?$"
ACCESS_LINE = re.compile(r'"(GET|POST|PATCH|DELETE|PUT) (\S+) HTTP/1\.1" (\d)\d\d')


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    limits = {"SENTINEL_RATE_LIMIT": "1000000/900", "SENTINEL_LOGIN_RATE_LIMIT": "off"}
    with (
        database_env() as database,
        running_server(home, ("admin@example.com", "ADMIN"), **limits, **database) as started,
    ):
        yield started


def test_schemathesis_finds_no_server_error_or_schema_violation(
    fuzzed: Server, tmp_path: Path
) -> None:
    token = login(fuzzed, "admin@example.com")
    st = Path(sys.executable).with_name("st")
    proc = subprocess.run(
        [
            str(st),
            "run",
            f"{fuzzed.url}/api/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--exclude-path-regex",
            f"/connect$|{OWN_SESSION}|{NOTIFY_OUTBOUND}",
            "--checks",
            "all",
            "--exclude-checks",
            CHECKS_EXCLUDED,
            "--max-examples",
            "15",
            "--generation-database",
            "none",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert "Traceback" not in fuzzed.log(), fuzzed.log()[-4000:]


def _seed(server: Server) -> dict[str, str]:
    """Records the write operations can act on; returns the path parameters that name them."""
    from sentinel_cli.operations import exceptions, policies
    from sentinel_cli.store import open_store

    users = add_users(
        server.settings,
        ("admin@example.com", "ADMIN"),
        ("spare@example.com", "MEMBER"),
        ("doomed@example.com", "VIEWER"),
    )
    with open_store(server.settings) as store:
        estate = build_estate(store)
        exception = exceptions.add_exception(
            store,
            check_id="aws_iam_root_mfa",
            reason="seeded for the fuzzer",
            owner="owner@example.com",
            expires=(date.today() + timedelta(days=30)).isoformat(),
        )["exception"]
        template = policies.list_templates()[0]["id"]
        policy = policies.generate_policy(store, template_id=template)["policy"]
        policies.set_profile(store, {"companyName": "Acme"})
    return {
        "user_id": str(users["MEMBER"]["id"]),
        "doomed_user_id": str(users["VIEWER"]["id"]),
        "exception_id": str(exception["id"]),
        "policy_id": str(policy["id"]),
        "integration_id": estate.integrations["staging"],
        "key": "companyName",
    }


def _config(ids: dict[str, str]) -> str:
    """Fixed path parameters, and body fields drawn mostly from values the operations accept.

    The schema types these fields as free strings; without known values nearly every generated
    body is refused by validation and the success paths of the writes would never run.
    """
    from sentinel_cli import plans
    from sentinel_cli.operations import billing, policies, reports, users

    soon = (date.today() + timedelta(days=30)).isoformat()
    known = {
        "role": list(users.ROLES),
        "tier": list(plans.TIERS),
        "status": list(billing.STATUSES),
        "checkId": ["aws_iam_root_mfa", "github_org_2fa_required"],
        "templateId": [t["id"] for t in policies.list_templates()[:3]],
        "reportType": list(reports.REPORT_TYPES),
        "expires": [soon],
        "owner": ["owner@example.com"],
        "approver": ["approver@example.com"],
        "email": ["new@example.com", "admin@example.com"],
    }
    lines = ["[parameters]"]
    lines += [
        f'"path.{name}" = {json.dumps(value)}'
        for name, value in ids.items()
        if name != "doomed_user_id"
    ]
    lines += [f'"body.{name}" = {{ dictionary = "{name}", probability = 0.8 }}' for name in known]
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    # Deleting the user the PATCH and password routes act on would leave those answering 404.
    lines += [
        "[[operations]]",
        'include-name = "DELETE /api/users/{user_id}"',
        f'parameters = {{ "path.user_id" = {json.dumps(ids["doomed_user_id"])} }}',
    ]
    return "\n".join(lines) + "\n"


def test_schemathesis_write_methods_as_admin_cause_no_server_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server = Server(
        home,
        server_env(home, SENTINEL_RATE_LIMIT="1000000/900", SENTINEL_LOGIN_RATE_LIMIT="off"),
    )
    ids = _seed(server)
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(ids))
    server.start()
    try:
        token = login(server, "admin@example.com")
        st = Path(sys.executable).with_name("st")
        proc = subprocess.run(
            [
                str(st),
                "--config-file",
                str(config),
                "run",
                f"{server.url}/api/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--include-method-regex",
                "^(POST|PATCH|DELETE)$",
                "--exclude-path-regex",
                f"{OUTBOUND}|{OWN_SESSION}|{NOTIFY_OUTBOUND}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "25",
                "--seed",
                "17",
                "--generation-database",
                "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    finally:
        server.stop()
    output = proc.stdout + proc.stderr
    log = server.log()
    assert proc.returncode == 0, output[-6000:] + log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    # NOTIFY_OUTBOUND was left out: the path is only probed without a token (401).
    probed = re.findall(r'"POST /api/notifications HTTP/1\.1" \d+.*', log)
    assert all(" 401 " in line for line in probed), probed
    answered = Counter((m, c) for m, _, c in ACCESS_LINE.findall(log))
    assert not any(c == "5" for _, c in answered), answered
    # The seeded identifiers and known values let every write method reach its success path.
    assert {m for m, c in answered if c == "2"} >= set(WRITES), sorted(answered.items())
