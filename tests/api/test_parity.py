"""The API's ``data`` is what the matching CLI command prints with ``--json``, on the same store.

Each pair reads the server's store twice, once over HTTP and once through the Typer app in-process
(``SENTINEL_HOME`` pointed at the server's home), after a real collection (the ``collected``
fixture), so the shapes are compared on non-trivial data.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.cli import Cli
from tests.helpers.server import Api, data_of

PAIRS = [
    ("/api/integrations", ["integrations", "list", "--json"]),
    ("/api/billing/subscription", ["billing", "status", "--json"]),
    ("/api/billing/limits/integrations", ["billing", "limits", "integrations", "--json"]),
    ("/api/billing/limits/checks", ["billing", "limits", "checks", "--json"]),
    ("/api/billing/plans", ["billing", "plans", "--json"]),
    ("/api/policies/templates", ["policies", "templates", "--json"]),
    (
        "/api/evidence?status=FAIL&limit=20",
        ["evidence", "--status", "FAIL", "--limit", "20", "--json"],
    ),
    ("/api/evidence/stats", ["evidence", "stats", "--json"]),
    (
        "/api/evidence/compliance?framework=ISO27001",
        ["evidence", "compliance", "-f", "ISO27001", "--json"],
    ),
    (
        "/api/evidence/compliance?framework=NIST-CSF",
        ["evidence", "compliance", "--framework", "nist", "--json"],
    ),
    ("/api/checks?framework=NIST-CSF", ["checks", "list", "--framework", "csf", "--json"]),
    ("/api/exceptions?all=true", ["exceptions", "list", "--all", "--json"]),
    ("/api/schedules", ["schedules", "list", "--json"]),
    ("/api/users", ["users", "list", "--json"]),
    ("/api/dashboard/stats", ["dashboard", "--json"]),
]


@pytest.fixture
def server_cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("SENTINEL_HOME", str(api.server.home))
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    monkeypatch.delenv("SENTINEL_DB", raising=False)
    if "SENTINEL_DB" in api.server.env:  # the server's PostgreSQL schema (tests/helpers/dialect.py)
        monkeypatch.setenv("SENTINEL_DB", api.server.env["SENTINEL_DB"])
    return Cli()


@pytest.mark.parametrize(("path", "argv"), PAIRS, ids=[p for p, _ in PAIRS])
def test_api_data_equals_cli_json(
    api: Api, collected: dict[str, Any], server_cli: Cli, path: str, argv: list[str]
) -> None:
    over_http = data_of(api.as_("ADMIN").get(path))
    result = server_cli(*argv)
    assert result.exit_code in (0, 1), result.stderr  # evidence --status FAIL gates with exit 1
    assert over_http == result.json()


def test_jobs_and_one_evidence_item_match(
    api: Api, collected: dict[str, Any], server_cli: Cli
) -> None:
    integration_id = collected["integration"]["id"]
    jobs = data_of(api.as_("VIEWER").get(f"/api/integrations/{integration_id}/jobs"))
    assert jobs == server_cli("integrations", "jobs", integration_id, "--json").json()
    first = data_of(api.as_("VIEWER").get("/api/evidence?limit=1"))["evidence"][0]
    item = data_of(api.as_("VIEWER").get(f"/api/evidence/{first['id']}"))
    assert item == server_cli("evidence", "show", first["id"], "--json").json()
