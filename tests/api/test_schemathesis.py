"""Schemathesis against ``/api/openapi.json`` of a real server, with an ADMIN token, bounded.

Runs the ``st`` CLI (schemathesis 4) on a server of its own (the fuzzer adds users and may change
things the other tests rely on) for every operation except the two connect routes, whose default
``verify: true`` would send generated credentials to AWS and GitHub. Checks: no 5xx, responses match
their documented status codes, content types, headers and schemas, schema-violating requests are
refused, and authenticated operations refuse requests without a token.

Two checks are left out on purpose: ``positive_data_acceptance`` (the schema types query values as
free strings, e.g. ``status``, while the operations accept only known values and answer 400 naming
them), and ``allow_header_conformance`` (``/api/policies/generate`` also matches
``GET /api/policies/{policy_id}``, so ``Allow`` truthfully lists GET there).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis  # noqa: F401  # a test dependency: missing means the install is broken

from tests.helpers.server import Server, add_users, login, server_env

CHECKS_EXCLUDED = "positive_data_acceptance,allow_header_conformance"


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    home.mkdir(parents=True)
    server = Server(
        home,
        server_env(home, SENTINEL_RATE_LIMIT="1000000/900", SENTINEL_LOGIN_RATE_LIMIT="off"),
    )
    add_users(server.settings, ("admin@example.com", "ADMIN"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


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
            "/connect$",
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
