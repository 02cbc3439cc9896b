"""Run a moto server on the loopback interface, for tests, benches and ``sentinel demo``.

In-process ``moto.mock_aws`` patches botocore itself, so it cannot show what only real HTTP shows:
that the collector honours a custom endpoint URL, that the S3 Control host rewrite works, that
signing and retries behave. ``running_moto_server()`` starts ``python -m moto.server`` in a
subprocess bound to 127.0.0.1 on a port the OS picks (so parallel runs never collide and nothing
listens beyond this machine) and yields its endpoint URL. ``threaded=True`` runs the same server in
a thread of this process instead: slower to isolate, but the seeding code can then reach moto's
backends directly (e.g. to back-date an access key, which no AWS API can do).

This module imports neither boto3 nor moto at import time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

# Settings every Sentinel use of moto wants. moto ships ~1,300 public AMIs whose snapshots it
# reports as the caller's own (it ignores DescribeSnapshots' OwnerIds), which would make every
# collection describe 1,300 snapshot attributes per region; real accounts own only their own.
MOTO_ENV: dict[str, str] = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _wait_ready(endpoint: str, deadline: float, proc: subprocess.Popen[bytes] | None) -> None:
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"moto server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError as exc:  # connection refused while the server imports its backends
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"moto server at {endpoint} not ready in time: {last}")


def reset_moto_server(endpoint_url: str) -> None:
    """Drop every resource the server holds (moto's own reset API), between tests or runs."""
    req = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass


def set_moto_auth(endpoint_url: str, *, initial_no_auth_action_count: float) -> None:
    """Make the server enforce IAM authentication after N unauthenticated actions (moto API).

    With enforcement on, unknown access keys are refused with InvalidClientTokenId, as AWS does;
    pass ``float("inf")`` to switch enforcement off again.
    """
    req = urllib.request.Request(
        f"{endpoint_url}/moto-api/reset-auth",
        data=str(initial_no_auth_action_count).encode(),
        method="POST",
        # Not form-encoded: moto reads the raw body, which Flask empties for form posts.
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req, timeout=10):
        pass


@contextmanager
def running_moto_server(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    startup_timeout: float = 60.0,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    threaded: bool = False,
) -> Iterator[str]:
    """Start a moto server on ``host`` (loopback only) and yield its endpoint URL.

    ``log_path`` receives the server's request log (discarded by default: at bench scale it is
    large). ``env`` adds variables to the subprocess environment (moto reads its settings there).
    """
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"moto server must bind a loopback address, not {host!r}")
    chosen = port or _free_port(host)
    endpoint = _url(host, chosen)
    if threaded:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address=host, port=chosen, verbose=False)
        server.start()
        try:
            _wait_ready(endpoint, time.monotonic() + startup_timeout, None)
            yield endpoint
        finally:
            server.stop()
        return

    child_env = dict(os.environ)
    # The server itself must never look for real credentials or a real endpoint.
    child_env.pop("AWS_ENDPOINT_URL", None)
    child_env.update(MOTO_ENV)
    child_env.update(env or {})
    with tempfile.TemporaryDirectory(prefix="sentinel-moto-") as tmp:
        out_path = log_path or Path(tmp) / "moto.log"
        with open(out_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", host, "-p", str(chosen)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=child_env,
                cwd=tmp,
            )
            try:
                _wait_ready(endpoint, time.monotonic() + startup_timeout, proc)
                yield endpoint
            finally:
                # SIGINT stops werkzeug at once; SIGTERM can take seconds. Then escalate.
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
