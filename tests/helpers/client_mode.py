"""One command run twice: as the CLI logged in to a real ``sentinel serve`` (the client machine's
own ``SENTINEL_HOME``) and as a local user of the server's home, so the two can be compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel_cli.client.connection import TOKEN_KEY
from sentinel_cli.config import Settings
from sentinel_cli.secrets import FileSecrets
from tests.helpers.cli import Cli, CliResult
from tests.helpers.server import PASSWORD, Server

ADMIN = "admin@example.com"
VIEWER = "viewer@example.com"


class Sides:
    """Run one command as the client (logged in) and as a local user of the server's home."""

    def __init__(self, server: Server, client_home: Path, monkeypatch: pytest.MonkeyPatch):
        self.server = server
        self.client_home = client_home
        self.monkeypatch = monkeypatch
        self.cli = Cli()

    def client(self, *args: str, input: str | None = None) -> CliResult:
        self.monkeypatch.setenv("SENTINEL_HOME", str(self.client_home))
        return self.cli(*args, input=input)

    def local(self, *args: str) -> CliResult:
        self.monkeypatch.setenv("SENTINEL_HOME", str(self.server.home))
        return self.cli(*args)

    def login(self, email: str = ADMIN) -> CliResult:
        result = self.client(
            "login",
            "--server",
            self.server.url,
            "--email",
            email,
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.stderr
        return result

    @property
    def client_settings(self) -> Settings:
        return Settings.from_env(
            {"SENTINEL_HOME": str(self.client_home), "SENTINEL_SECRETS_BACKEND": "file"}
        )

    def set_token(self, token: str) -> None:
        FileSecrets(self.client_home / "secrets.json").set(TOKEN_KEY, token)
