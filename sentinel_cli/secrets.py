"""Secrets (AWS secret keys, GitHub tokens, the JWT signing key) outside the database.

Secrets go to the OS keyring through ``keyring``, under the service name ``sentinel`` and a key such as
``integration:<uuid>``. Headless machines (servers, CI, containers) usually have no keyring backend:
there we fall back to ``secrets.json`` in ``SENTINEL_HOME``, created with mode 0600 and replaced
atomically, and say so once on stderr. ``SENTINEL_SECRETS_BACKEND=file|keyring`` forces one; forcing
``keyring`` where none is usable is an error rather than a silent downgrade.
``SENTINEL_SECRETS_BACKEND=store`` (several hosts sharing one store) seals the deployment's secrets
into the store itself; that backend lives above the store (``operations.store_secrets``).

Several processes share the file (``serve --workers N``, a CLI command beside the server), so every
read-modify-write holds an exclusive ``flock`` on ``.secrets.json.lock`` beside it; a thread lock
covers threads of one process. Without ``fcntl`` (Windows) only the thread lock applies, as for the
JWT key lock in ``api/auth.py``.

The file fallback is as safe as the home directory's permissions: it protects against other users on
the machine, not against someone who can read your files. That trade-off is documented in the README.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

from sentinel_cli.config import Settings
from sentinel_cli.errors import SecretsKeyUnusable, SecretsUnavailable

SERVICE = "sentinel"
SIGNING_KEY_NAME = "jwt-signing-key"
"""The API's JWT signing key (``api.auth``), a secret of the deployment like the integrations'."""
_fallback_announced = False
_file_lock = threading.Lock()


class SecretStore(Protocol):
    backend: str

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class KeyringSecrets:
    """The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service on Linux)."""

    backend = "keyring"

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def get(self, key: str) -> str | None:
        import keyring

        return keyring.get_password(self.service, key)

    def set(self, key: str, value: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(self.service, key, value)
        except KeyringError as exc:
            raise SecretsUnavailable(
                f"the OS keyring refused to store a secret: {exc}",
                hint="unlock your keyring, or set SENTINEL_SECRETS_BACKEND=file",
            ) from exc

    def delete(self, key: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(self.service, key)


class FileSecrets:
    """A JSON file readable only by its owner: the documented fallback for headless machines."""

    backend = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive across threads and, where ``fcntl`` exists, across processes."""
        with _file_lock:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: the thread lock only
                yield
                return
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise SecretsUnavailable(
                    f"cannot open the lock file {self.lock_path}: {exc.strerror}",
                    hint="check the permissions of the Sentinel home directory",
                ) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    def _read(self) -> dict[str, str]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretsUnavailable(
                f"cannot read the secrets file {self.path}: {exc.strerror}",
                hint="check its permissions (it should be mode 0600 and owned by you)",
            ) from exc
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise SecretsUnavailable(
                f"the secrets file {self.path} is not valid JSON",
                hint="restore it from a backup, or remove it and reconnect your integrations",
            ) from exc
        return {str(k): str(v) for k, v in data.items()}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> str | None:
        # The file is replaced atomically, so a read needs no lock against other processes.
        with _file_lock:
            return self._read().get(key)

    def names(self) -> list[str]:
        with _file_lock:
            return sorted(self._read())

    def set(self, key: str, value: str) -> None:
        with self._locked():
            data = self._read()
            data[key] = value
            self._write(data)

    def delete(self, key: str) -> None:
        self.delete_many([key])

    def delete_many(self, keys: Iterable[str]) -> int:
        """Remove the given keys in one write; returns how many were present."""
        with self._locked():
            data = self._read()
            removed = sum(data.pop(key, None) is not None for key in set(keys))
            if removed:
                self._write(data)
            return removed


def keyring_usable() -> bool:
    """True when keyring has a real backend (not the 'fail' or null backends)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    if type(backend).__name__ == "ChainerBackend":
        return bool(getattr(backend, "backends", []))
    priority = getattr(backend, "priority", 0)
    return bool(priority and priority > 0)


def open_secrets(settings: Settings, *, announce: bool = True) -> SecretStore:
    """The secrets backend for this home: forced by settings, else keyring if usable, else file.

    ``SENTINEL_SECRETS_BACKEND=store`` keeps the deployment's secrets in the store, which this
    base module cannot reach: ``operations.store_secrets.open_secrets`` opens them (and this
    backend otherwise), so a caller that forgot is refused here rather than served from a
    per-host file the other hosts cannot read.
    """
    if settings.secrets_backend == "store":
        raise SecretsUnavailable(
            "internal error: the store's secrets were asked of the per-host backend",
            hint="this is a bug: rerun with SENTINEL_DEBUG=1 and report it",
        )
    return open_local_secrets(settings, announce=announce)


def open_local_secrets(settings: Settings, *, announce: bool = True) -> SecretStore:
    """This machine's own backend: the one ``open_secrets`` picks, and with the ``store``
    backend the place of what belongs to a person at this machine rather than to the
    deployment (the CLI's login token), chosen as when nothing is forced."""
    global _fallback_announced
    path = settings.home / "secrets.json"
    if settings.secrets_backend == "store":
        return KeyringSecrets() if keyring_usable() else FileSecrets(path)
    if settings.secrets_backend == "file":
        return FileSecrets(path)
    if settings.secrets_backend == "keyring":
        if not keyring_usable():
            raise SecretsUnavailable(
                "SENTINEL_SECRETS_BACKEND=keyring but no usable OS keyring backend was found",
                hint="install and unlock a keyring (e.g. gnome-keyring), or use SENTINEL_SECRETS_BACKEND=file",
            )
        return KeyringSecrets()
    if keyring_usable():
        return KeyringSecrets()
    if announce and not _fallback_announced:
        _fallback_announced = True
        print(
            f"sentinel: no OS keyring available; secrets are kept in {path} (mode 0600). "
            "Set SENTINEL_SECRETS_BACKEND=file to silence this.",
            file=sys.stderr,
        )
    return FileSecrets(path)


# The key of SENTINEL_SECRETS_BACKEND=store (operations.store_secrets seals with it). Read here, in
# the base layer, so `sentinel worker` and `serve` can refuse to start without a usable one.
KEY_ENV = "SENTINEL_SECRETS_KEY"
KEY_FILE_ENV = "SENTINEL_SECRETS_KEY_FILE"
KEY_BYTES = 32
_NEW_KEY_HINT = (
    f"make one with `sentinel secrets new-key` and give every host the same {KEY_ENV} "
    f"(or {KEY_FILE_ENV}, a file holding it)"
)


def new_key() -> str:
    """A fresh key in the form ``SENTINEL_SECRETS_KEY`` takes."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def load_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The key from the environment or the file it names; a clear error when it is unusable."""
    env = os.environ if environ is None else environ
    text = (env.get(KEY_ENV) or "").strip()
    path = (env.get(KEY_FILE_ENV) or "").strip()
    if text and path:
        raise SecretsKeyUnusable(
            f"both {KEY_ENV} and {KEY_FILE_ENV} are set", hint="set only one of them"
        )
    source = KEY_ENV
    if path:
        source = f"{KEY_FILE_ENV} ({path})"
        try:
            text = Path(path).expanduser().read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not base64 text"
            raise SecretsKeyUnusable(
                f"cannot read the secrets key file {path}: {reason}", hint=_NEW_KEY_HINT
            ) from exc
    if not text:
        raise SecretsKeyUnusable(
            f"SENTINEL_SECRETS_BACKEND=store needs a key: {KEY_ENV} or {KEY_FILE_ENV} is not set",
            hint=_NEW_KEY_HINT,
        )
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretsKeyUnusable(
            f"{source} is not {KEY_BYTES} bytes in base64", hint=_NEW_KEY_HINT
        )  # never quote the value: it may be a real key with a typo
    return key


def integration_secret_key(integration_id: str) -> str:
    return f"integration:{integration_id}"
