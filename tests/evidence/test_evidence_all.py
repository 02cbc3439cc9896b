"""Every failing item for a CI job: ``--all`` (JSON, table) and the csv/sarif/junit exports return
every matching item past the 1000-item page cap, locally and logged in to a real ``sentinel serve``
(which pages through the API 1000 at a time, waiting out its rate limit), on the fast path and
through Typer alike."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel_cli.cli import login_state
from sentinel_cli.client.connection import ClientConfig
from sentinel_cli.config import Settings
from sentinel_cli.operations import evidence as ops
from sentinel_cli.store import Store, open_store
from tests.helpers.cli import Cli, CliResult
from tests.helpers.client_mode import ADMIN, Sides
from tests.helpers.estate import Estate, bucket, day_at
from tests.helpers.server import Server, add_users, login, server_env

FAILING = 1234
PASSING = 56
ALL_FAILING = ["evidence", "--status", "FAIL"]


def build_fleet(store: Store) -> Estate:
    """One current collection with ``FAILING`` failures and ``PASSING`` passes, through the
    store's own write path (one transaction)."""
    estate = Estate(store)
    estate.integration("fleet")
    specs = [
        ("aws_s3_bucket_default_encryption", bucket(f"fleet-{n:05d}"), "FAIL", "eu-west-1")
        for n in range(FAILING)
    ] + [
        ("aws_s3_versioning", bucket(f"fleet-{n:05d}"), "PASS", "eu-west-1") for n in range(PASSING)
    ]
    estate.collect("fleet-1", "fleet", specs, at=day_at(1))
    return estate


def counts(result: CliResult, fmt: str) -> int:
    """Items in a command's output, read the way a CI job would read them."""
    if fmt == "json":
        return len(json.loads(result.stdout)["evidence"])
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(result.stdout)))) - 1
    if fmt == "sarif":
        return len(json.loads(result.stdout)["runs"][0]["results"])
    assert fmt == "junit"
    return result.stdout.count("<testcase ")


FORMATS = [
    ("json", ["--all", "--json"]),
    ("csv", ["--format", "csv"]),
    ("sarif", ["--format", "sarif"]),
    ("junit", ["--format", "junit"]),
]


# -- locally ---------------------------------------------------------------------------------


@pytest.fixture
def fleet(settings: Settings) -> Iterator[Estate]:
    with open_store(settings) as store:
        yield build_fleet(store)


@pytest.mark.parametrize(("fmt", "args"), FORMATS)
def test_every_failing_item_locally(cli: Cli, fleet: Estate, fmt: str, args: list[str]) -> None:
    result = cli(*ALL_FAILING, *args)
    assert result.exit_code == 1, result.stderr  # the gate still trips
    assert counts(result, fmt) == FAILING
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["pagination"] == {"total": FAILING, "limit": None, "offset": 0}
        assert len({i["id"] for i in data["evidence"]}) == FAILING
        assert {i["status"] for i in data["evidence"]} == {"FAIL"}


def test_without_all_json_is_one_page_and_with_it_the_same_items_in_the_same_order(
    cli: Cli, fleet: Estate
) -> None:
    page = json.loads(cli(*ALL_FAILING, "--limit", "1000", "--json").stdout)
    assert len(page["evidence"]) == 1000 and page["pagination"]["total"] == FAILING
    every = json.loads(cli(*ALL_FAILING, "--all", "--json").stdout)["evidence"]
    assert every[:1000] == page["evidence"]
    rest = json.loads(cli(*ALL_FAILING, "--all", "--offset", "1000", "--json").stdout)
    assert rest["evidence"] == every[1000:]
    assert rest["pagination"] == {"total": FAILING, "limit": None, "offset": 1000}


def test_the_table_with_all_shows_every_row(cli: Cli, fleet: Estate) -> None:
    table = cli(*ALL_FAILING, "--all", "--fail-on", "none")
    assert table.exit_code == 0, table.stderr
    rows = [ln for ln in table.stdout.splitlines() if " FAIL " in ln]
    assert len(rows) == FAILING
    assert f"1-{FAILING} of {FAILING} (current state)" in table.stdout
    assert "more with --offset" not in table.stdout


def test_all_is_streamed_from_the_store(fleet: Estate) -> None:
    """The listing holds no items: they are read chunk by chunk as the output is written."""
    listing = ops.evidence_listing(fleet.store, status="FAIL", all_items=True)
    assert listing.data["evidence"] == [] and listing.data["pagination"]["total"] == FAILING
    assert listing.stream is not None and not isinstance(listing.stream, list)
    assert sum(1 for _ in listing.stream) == FAILING


def test_a_reader_that_stops_early_leaves_no_error(fleet: Estate, home: Path) -> None:
    """``sentinel evidence --all --json | head``: the stream stops without a traceback."""
    env = {**os.environ, "SENTINEL_HOME": str(home), "SENTINEL_SECRETS_BACKEND": "file"}
    code = "import sys; from sentinel_cli.cli import main; main(sys.argv[1:])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *ALL_FAILING, "--all", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(4096).startswith(b'{\n  "evidence": [')
    proc.stdout.close()  # the reader is gone mid-stream
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr


def test_fast_path_and_typer_print_the_same_every_item(cli: Cli, fleet: Estate) -> None:
    from sentinel_cli.cli import app

    for args in (["--all", "--json"], ["--all", "--fail-on", "none"], ["--format", "sarif"]):
        fast = cli(*ALL_FAILING, *args)  # cli.main: the Typer-free fast path
        slow = CliRunner().invoke(app, [*ALL_FAILING, *args])
        assert (fast.exit_code, fast.stdout) == (slow.exit_code, slow.stdout), args


# -- logged in to a server -------------------------------------------------------------------


def _server(home: Path, rate_limit: str) -> Iterator[Server]:
    srv = Server(home, server_env(home, SENTINEL_RATE_LIMIT=rate_limit))
    with open_store(srv.settings) as store:
        build_fleet(store)
    add_users(srv.settings, (ADMIN, "ADMIN"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(tmp_path_factory.mktemp("all-remote") / "server-home", "100000/900")


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One request per user every 3 seconds: the second page of a listing is refused at first."""
    yield from _server(tmp_path_factory.mktemp("all-tight") / "server-home", "1/3")


def _sides(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sides:
    """Logged in with a token from the API (no request of the user's own before the listing)."""
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "file")
    for name in ("SENTINEL_DB", "SENTINEL_DEBUG", "GITHUB_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    sides = Sides(server, tmp_path / "client-home", monkeypatch)
    login_state.save(sides.client_settings, ClientConfig(server=server.url, email=ADMIN))
    sides.set_token(login(server, ADMIN))
    return sides


@pytest.mark.parametrize(("fmt", "args"), FORMATS)
def test_every_failing_item_through_the_server(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, args: list[str]
) -> None:
    sides = _sides(server, tmp_path, monkeypatch)
    remote = sides.client(*ALL_FAILING, *args)
    local = sides.local(*ALL_FAILING, *args)
    assert remote.exit_code == local.exit_code == 1, (remote.stderr, local.stderr)
    assert counts(remote, fmt) == FAILING
    assert remote.stdout == local.stdout


def test_later_pages_wait_out_the_servers_rate_limit(
    tight_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused page is not a partial upload: the listing waits (Retry-After) and completes."""
    sides = _sides(tight_server, tmp_path, monkeypatch)
    remote = sides.client(*ALL_FAILING, "--format", "sarif")
    assert remote.exit_code == 1, remote.stderr
    results: list[dict[str, Any]] = json.loads(remote.stdout)["runs"][0]["results"]
    assert len(results) == FAILING
