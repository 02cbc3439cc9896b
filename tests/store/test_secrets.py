"""Secrets: the OS keyring when usable, a 0600 file otherwise, and never the database."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from sentinel_cli import secrets as secrets_mod
from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, SecretsUnavailable
from sentinel_cli.secrets import FileSecrets, KeyringSecrets, open_secrets


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (stands in for the OS keychain)."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.items:
            raise PasswordDeleteError(username)
        del self.items[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_file_backend_is_owner_only_and_round_trips(tmp_path: Path) -> None:
    store = FileSecrets(tmp_path / "secrets.json")
    store.set("integration:1", "s3cr3t")
    store.set("integration:2", "other")
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600
    assert store.get("integration:1") == "s3cr3t"
    store.delete("integration:1")
    assert store.get("integration:1") is None
    assert store.get("integration:2") == "other"
    store.delete("missing")  # deleting what is not there is not an error


def test_corrupt_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text("{not json")
    with pytest.raises(SecretsUnavailable, match="not valid JSON"):
        FileSecrets(tmp_path / "secrets.json").get("x")


def test_auto_falls_back_to_file_and_says_so_once(
    tmp_path: Path,
    no_keyring: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(secrets_mod, "_fallback_announced", False)
    settings = Settings(home=tmp_path, db_path=tmp_path / "sentinel.db")
    first = open_secrets(settings)
    second = open_secrets(settings)
    assert isinstance(first, FileSecrets) and isinstance(second, FileSecrets)
    err = capsys.readouterr().err
    assert err.count("no OS keyring available") == 1
    assert str(tmp_path / "secrets.json") in err


def test_auto_uses_a_usable_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    settings = Settings(home=tmp_path, db_path=tmp_path / "sentinel.db")
    store = open_secrets(settings)
    assert isinstance(store, KeyringSecrets)
    store.set("integration:abc", "tok")
    assert memory_keyring.items[("sentinel", "integration:abc")] == "tok"
    assert store.get("integration:abc") == "tok"
    store.delete("integration:abc")
    assert memory_keyring.items == {}
    assert not (tmp_path / "secrets.json").exists()


def test_forcing_keyring_without_one_is_an_error(tmp_path: Path, no_keyring: None) -> None:
    settings = Settings(home=tmp_path, db_path=tmp_path / "db", secrets_backend="keyring")
    with pytest.raises(SecretsUnavailable, match="no usable OS keyring"):
        open_secrets(settings)


def test_forcing_file_ignores_a_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    settings = Settings(home=tmp_path, db_path=tmp_path / "db", secrets_backend="file")
    assert isinstance(open_secrets(settings), FileSecrets)


def test_unknown_backend_name_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="SENTINEL_SECRETS_BACKEND"):
        Settings.from_env({"SENTINEL_HOME": "/tmp/x", "SENTINEL_SECRETS_BACKEND": "vault"})
