"""Where a ``RemoteBackend`` sends commands: the server and the account logged in to.

``sentinel login`` saves this (``cli.login_state``); the bearer token itself lives in the secrets
backend under ``TOKEN_KEY``, never in a settings file.
"""

from __future__ import annotations

from dataclasses import dataclass

TOKEN_KEY = "client-token"


@dataclass(frozen=True)
class ClientConfig:
    server: str
    """Base URL without ``/api``, e.g. ``https://sentinel.example.com``."""
    email: str
    user_id: str | None = None
    role: str | None = None
    logged_in_at: str | None = None

    @property
    def login_hint(self) -> str:
        return f"log in again: sentinel login --server {self.server} --email {self.email}"
