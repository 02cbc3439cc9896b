"""A real ``sentinel serve`` process and the HTTP helpers the API and client-mode tests share.

``Server`` runs the server as a subprocess (uvicorn on 127.0.0.1, a free port, a temporary
SENTINEL_HOME with the file secrets backend), exactly as a user starts it; tests talk to it over
HTTP with httpx. ``add_users`` creates users through the operations on the same store before the
server starts, with the plan set to ENTERPRISE so plan limits do not interfere (billing limits have
their own tests).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sentinel_cli.config import Settings, is_database_url

PASSWORD = "correct horse battery staple"
ROLES = ("ADMIN", "MEMBER", "VIEWER")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SENTINEL_", "GITHUB_", "AWS_ENDPOINT"))
    }
    env.update(
        {
            "SENTINEL_HOME": str(home),
            "SENTINEL_SECRETS_BACKEND": "file",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    database = os.environ.get("SENTINEL_DB", "")
    if is_database_url(database) and "SENTINEL_DB" not in extra:
        env["SENTINEL_DB"] = database  # the test's PostgreSQL schema (tests/conftest.py)
    return env


@dataclass
class Server:
    home: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    args: tuple[str, ...] = ()  # extra ``sentinel serve`` options

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home.parent / f"serve-{self.port}.log"

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def start(self, timeout: float = 40.0, attempts: int = 3) -> Server:
        """Start ``sentinel serve`` and wait until *this* process answers on its port.

        ``free_port()`` finds a port that was free a moment ago; another process (a parallel
        test, an outgoing connection) may take it first. Then this server exits with "address
        already in use" and a fresh port is tried, and health is trusted only once this server
        has logged that it listens, so a stranger on the port is never taken for it.
        """
        for _ in range(attempts):
            if self._start_once(timeout):
                return self
            self.port = free_port()
        raise RuntimeError(f"sentinel serve found no free port in {attempts} tries:\n{self.log()}")

    def _start_once(self, timeout: float) -> bool:
        """True once serving; False when the port was taken (the process has exited)."""
        self.home.mkdir(parents=True, exist_ok=True)
        serve = ["serve", "--port", str(self.port), *self.args]
        with self.log_path.open("wb") as log:  # the server keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sentinel_cli", *serve],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        listening = f"Uvicorn running on {self.url}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "address already in use" in self.log().lower():
                    return False
                raise RuntimeError(f"sentinel serve exited:\n{self.log()}")
            if listening in self.log():
                try:
                    if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sentinel serve did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signing_key(self) -> str:
        return str(json.loads((self.home / "secrets.json").read_text())["jwt-signing-key"])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def add_users(settings: Settings, *emails_roles: tuple[str, str]) -> dict[str, dict[str, Any]]:
    from sentinel_cli.operations import billing, users
    from sentinel_cli.store import open_store

    out = {}
    with open_store(settings) as store:
        billing.set_plan(store, "ENTERPRISE")
        for email, role in emails_roles:
            out[role] = users.add_user(store, email=email, role=role, password=PASSWORD)
    return out


@contextmanager
def running_server(home: Path, *users: tuple[str, str], **env: str) -> Iterator[Server]:
    """A ``sentinel serve`` on a fresh home with these users (email, role), stopped afterwards;
    ``env`` adds settings such as ``SENTINEL_RATE_LIMIT``."""
    home.mkdir(parents=True, exist_ok=True)
    server = Server(home, server_env(home, **env))
    add_users(server.settings, *users)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def login(server: Server, email: str, password: str = PASSWORD) -> str:
    with server.client() as client:
        response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["token"])


@dataclass
class Api:
    """The shared server plus a logged-in client per role (``api.as_("MEMBER").get(...)``)."""

    server: Server
    users: dict[str, dict[str, Any]]
    tokens: dict[str, str]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def as_(self, role: str) -> httpx.Client:
        if role not in self.clients:
            self.clients[role] = self.server.client(self.tokens.get(role))
        return self.clients[role]

    def anonymous(self) -> httpx.Client:
        return self.as_("anonymous")


def assert_error(response: httpx.Response, status: int, fragment: str = "") -> dict[str, Any]:
    """The response is the error envelope with this status (and a message containing fragment)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message", "statusCode"}, body
    assert body["status"] == "error" and body["statusCode"] == status, body
    assert fragment.lower() in body["message"].lower(), body
    assert "Traceback" not in body["message"] and "sqlite" not in body["message"].lower()
    return body


def data_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def wait_for_job(
    api: Api, integration_id: str, job_id: str, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = data_of(api.as_("VIEWER").get(f"/api/integrations/{integration_id}/jobs"))["jobs"]
        job = next(j for j in jobs if j["id"] == job_id)
        if job["status"] != "RUNNING":
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still RUNNING after {timeout} s")
