"""Where Sentinel keeps its state, built once in the entry point and passed down.

Everything lives under one home directory: ``SENTINEL_HOME`` if set, else the platform's user data
directory. The database is ``sentinel.db`` there unless ``SENTINEL_DB`` names another file, or a
PostgreSQL URL (``postgresql://user@host/db``) for a store several hosts share. Nothing here touches
the disk at import time; ``ensure_home`` is called by the code that needs the directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel_cli.errors import InvalidInput, StoreUnavailable
from sentinel_cli.yamlio import load_yaml

SECRETS_BACKENDS = ("keyring", "file", "store")
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(value: str) -> bool:
    """Whether ``SENTINEL_DB`` / ``--db`` names a PostgreSQL server rather than a SQLite file."""
    return value.strip().lower().startswith(DATABASE_URL_SCHEMES)


def redact_url(url: str) -> str:
    """The URL with its password replaced by ``***``: what logs, errors and status output show.

    A password can sit in the userinfo (``user:secret@host``) or in a ``password=`` parameter.
    People paste passwords without percent-encoding them, so the userinfo is taken to end at the
    last ``@`` before the query (a password may hold ``/``, ``?``, ``#`` or ``@``): a password is
    masked whole even in a URL the driver will refuse. A query whose values hold ``@`` may then
    be masked too, which hides more than needed but never the secret.
    """
    import re

    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    at = _userinfo_end(rest)
    if at >= 0 and ":" in rest[:at]:
        rest = f"{rest[:at].split(':', 1)[0]}:***{rest[at:]}"
    head, mark, params = rest.partition("?")
    params = re.sub(r"(?i)(password=)[^&]*", r"\1***", params)
    return f"{scheme}://{head}{mark}{params}"


def url_passwords(url: str) -> list[str]:
    """Every password ``url`` carries, as ``redact_url`` finds them: for masking a driver's
    message that might quote one (or a piece of one it took for a host name)."""
    import re

    _, sep, rest = url.partition("://")
    if not sep:
        return []
    found = []
    at = _userinfo_end(rest)
    if at >= 0 and ":" in rest[:at]:
        found.append(rest[:at].split(":", 1)[1])
    found += re.findall(r"(?i)(?:^|[?&])password=([^&]*)", rest.partition("?")[2])
    return [p for p in found if p]


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL's part after ``://`` ends (its last ``@`` before the query),
    or -1 when it has none."""
    first_at = rest.find("@")
    if first_at < 0:
        return -1
    query = rest.find("?", first_at + 1)
    return (rest if query < 0 else rest[:query]).rfind("@")


@dataclass(frozen=True)
class Settings:
    home: Path
    db_path: Path
    """The SQLite file; unused when ``db_url`` names a PostgreSQL server."""
    secrets_backend: str | None = None
    """``keyring`` or ``file`` to force one; ``None`` picks the keyring when one is usable;
    ``store``: the deployment's secrets live in the store, sealed with ``SENTINEL_SECRETS_KEY``
    (``operations.store_secrets``), so every host sharing the store reads them."""
    db_url: str | None = None
    """A ``postgresql://`` URL: the store lives on that server, not in ``db_path``."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        if env.get("SENTINEL_HOME"):
            home = Path(env["SENTINEL_HOME"]).expanduser()
        else:
            from platformdirs import user_data_dir

            home = Path(user_data_dir("sentinel", appauthor=False))
        named = (env.get("SENTINEL_DB") or "").strip()
        db_url = named if named and is_database_url(named) else None
        db_path = Path(named).expanduser() if named and db_url is None else home / "sentinel.db"
        backend = (env.get("SENTINEL_SECRETS_BACKEND") or "").strip().lower() or None
        if backend is not None and backend not in SECRETS_BACKENDS:
            raise InvalidInput(
                f"SENTINEL_SECRETS_BACKEND={backend!r} is not a secrets backend",
                hint="use 'keyring', 'file' or 'store', or unset it to pick automatically",
            )
        return cls(
            home=home,
            db_path=db_path,
            secrets_backend=backend,
            db_url=db_url,
        )

    @property
    def database(self) -> str:
        """The store as a person may see it: the file path, or the URL without its password."""
        return redact_url(self.db_url) if self.db_url else str(self.db_path)

    def ensure_home(self) -> Path:
        """Create the home directory (mode 0700) if missing and check we can write into it."""
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the Sentinel home directory {self.home}: {exc.strerror}",
                hint="set SENTINEL_HOME to a writable directory",
            ) from exc
        if not os.access(self.home, os.R_OK | os.W_OK | os.X_OK):
            raise StoreUnavailable(
                f"the Sentinel home directory {self.home} is not readable and writable by you",
                hint="fix its permissions or set SENTINEL_HOME to another directory",
            )
        return self.home

    def exposed_home(self) -> str | None:
        """A warning when the home directory lets other local users in; ``None`` when private.

        The store never prints: the CLI and ``serve`` show this. One ``stat``, cheap at start-up.
        """
        try:
            mode = self.home.stat().st_mode
        except OSError:
            return None
        if os.name != "posix" or not mode & 0o077:
            return None
        return (
            f"warning: the Sentinel home {self.home} is accessible to other local users "
            f"(mode {mode & 0o777:04o}); run: chmod 700 {self.home}"
        )

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.yaml"


def load_user_settings(settings: Settings) -> dict[str, Any]:
    """The optional ``settings.yaml`` in the home directory (check thresholds, allow-lists)."""
    path = settings.settings_file
    if not path.exists():
        return {}
    import yaml

    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"cannot read {path}: {exc}", hint="fix the YAML or remove the file"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must contain a mapping at the top level")
    return data
