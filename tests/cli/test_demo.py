"""Issue 10: `sentinel demo` runs the whole product on the embedded sample company, in its own
home, twice in a row, and leaves PDFs and a store the other commands can query."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from tests.helpers.cli import Cli

pytestmark = pytest.mark.e2e


@pytest.mark.long_wait
def test_demo_end_to_end_twice_and_never_touches_the_real_store(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_home = tmp_path / "demo"
    for _ in range(2):  # the second run starts clean
        result = cli("demo", "--home", str(demo_home), "--scale", "small")
        assert result.exit_code == 0, result.stderr + result.stdout
        assert "Top failing evidence" in result.stdout
        assert "SOC 2: score" in result.stdout
        assert "sentinel evidence --status FAIL" in result.stdout
    pdfs = sorted((demo_home / "reports").glob("*.pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        assert str(pdf) in result.stdout.replace("\n", "")
        text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
        assert "Northwind" in text
    assert not (home / "sentinel.db").exists(), "the demo must not create or touch the real store"

    monkeypatch.setenv("SENTINEL_HOME", str(demo_home))
    listed = cli("integrations", "list", "--json").json()["integrations"]
    assert {i["type"] for i in listed} == {"AWS", "GITHUB"}
    assert all(i["evidenceCount"] > 0 for i in listed)
    gate = cli("evidence", "--status", "FAIL")
    assert gate.exit_code == 1  # the sample company has failures: the CI gate trips
    policies = cli("policies", "list", "--json").json()["policies"]
    assert {p["status"] for p in policies} == {"APPROVED", "DRAFT"}

    _serve_the_demo_store(demo_home)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_the_demo_store(demo_home: Path) -> None:
    """`sentinel demo --serve` on an existing demo store serves it at once, with the printed
    demo admin credentials working against the API."""
    port = _free_port()
    env = {**os.environ, "SENTINEL_HOME": str(demo_home.parent / "elsewhere")}
    # Output to a file, not a pipe: nobody reads a pipe while the server runs, and a full one
    # would block the server on its next log line.
    log_path = demo_home.parent / "demo-serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sentinel_cli",
                "demo",
                "--home",
                str(demo_home),
                "--serve",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        base = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        email, password = (demo_home / "demo-admin.txt").read_text().split()
        token = httpx.post(
            f"{base}/auth/login", json={"email": email, "password": password}, timeout=10
        ).json()["data"]["token"]
        stats = httpx.get(
            f"{base}/dashboard/stats", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert stats.status_code == 200 and stats.json()["data"]["overview"]["totalChecks"] > 0
        sign_in = httpx.get(f"http://127.0.0.1:{port}/", timeout=10, follow_redirects=True)
        assert sign_in.status_code == 200 and "Sign in" in sign_in.text  # the web dashboard
        proc.terminate()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    match = re.search(r"Demo admin \(this demo store only\): (\S+) / (\S+)", output)
    assert match, output
    assert (match.group(1), match.group(2)) == (email, password)
    assert f"Web dashboard: http://127.0.0.1:{port}/ " in output, output
    assert f"Sentinel on http://127.0.0.1:{port}/ (dashboard)" in output, output
    assert "Custom endpoints may also reach: 127.0.0.1" in output, output  # explicit loopback


def test_demo_paths_are_whole_lines_in_a_narrow_pipe(tmp_path: Path) -> None:
    """Piped output at 40 columns with a home longer than 100 characters: every printed path is
    one whole line naming a file that exists, and the suggested commands are copyable."""
    demo_home = tmp_path / ("a-long-directory-name-for-the-demo-" * 2) / "sample company [demo]"
    assert len(str(demo_home)) > 100
    env = {**os.environ, "SENTINEL_HOME": str(tmp_path / "user-home"), "COLUMNS": "40"}
    for name in ("SENTINEL_DB", "SENTINEL_DEBUG", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sentinel_cli",
            "demo",
            "--home",
            str(demo_home),
            "--scale",
            "small",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    reports = [Path(ln.removeprefix("Report: ")) for ln in lines if ln.startswith("Report: ")]
    assert sorted(reports) == sorted((demo_home / "reports").glob("*.pdf"))
    assert len(reports) == 2 and all(p.is_file() and p.suffix == ".pdf" for p in reports)
    (store,) = [
        Path(ln.removeprefix("Demo store: ")) for ln in lines if ln.startswith("Demo store")
    ]
    assert store == demo_home / "sentinel.db" and store.is_file()
    # No fragment of the home on a line of its own: every mention is the whole path.
    mentions = [ln for ln in lines if "a-long-directory-name" in ln]
    assert len(mentions) == 5 and all(str(demo_home) in ln for ln in mentions), mentions
    (export,) = [ln.strip() for ln in lines if ln.strip().startswith("export SENTINEL_HOME=")]
    assert shlex.split(export) == ["export", f"SENTINEL_HOME={demo_home}"]
    (serve,) = [ln.strip() for ln in lines if "sentinel demo --serve --home" in ln]
    assert shlex.split(serve, comments=True)[4] == str(demo_home)


def test_demo_refuses_a_directory_that_is_not_a_demo_home(cli: Cli, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = cli("demo", "--home", str(precious), "--scale", "small")
    assert result.exit_code == 2
    assert "not a Sentinel demo home" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"


def test_demo_home_exported_as_sentinel_home_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `export SENTINEL_HOME=<demo home>` (as the demo suggests), `sentinel demo` uses that
    home itself rather than a nested <demo home>/demo."""
    from sentinel_cli.config import Settings
    from sentinel_cli.operations import demo as demo_ops

    demo_home = tmp_path / "demo"
    demo_home.mkdir()
    (demo_home / demo_ops.MARKER).write_text("x")
    monkeypatch.setenv("SENTINEL_HOME", str(demo_home))
    user = Settings.from_env()
    settings = demo_ops.demo_settings(user, None)
    assert settings.home == demo_home.resolve()
    demo_ops.prepare_home(settings, user)  # a marked demo home may be rebuilt
    assert (demo_home / demo_ops.MARKER).exists()
    monkeypatch.setenv("SENTINEL_HOME", str(tmp_path / "real"))
    assert (
        demo_ops.demo_settings(Settings.from_env(), None).home
        == (tmp_path / "real" / "demo").resolve()
    )
