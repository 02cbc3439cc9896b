"""``SENTINEL_SECRETS_BACKEND=store``: secrets sealed with AES-256-GCM in the shared store.

Run on SQLite and PostgreSQL. What a host given the wrong key, a tampered row or a row copied
over another secret's gets is a clear refusal, and the table never holds a secret in clear.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import SecretsKeyUnusable, SecretsUnavailable
from sentinel_cli.operations import integrations as integration_ops
from sentinel_cli.operations.store_secrets import StoreSecrets, open_secrets
from sentinel_cli.secrets import (
    KEY_ENV,
    KEY_FILE_ENV,
    integration_secret_key,
    load_key,
    new_key,
    open_local_secrets,
)
from sentinel_cli.secrets import open_secrets as open_host_secrets
from sentinel_cli.store import open_store
from sentinel_cli.store.secrets_repo import SealedSecret, SecretsRepo
from tests.helpers.cli import Cli

pytestmark = pytest.mark.both_databases

ARGS = ["integrations", "connect", "github", "--org", "acme", "--no-verify"]
TOKEN = "ghp_" + "S3cr3tT0k3n" * 3


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = new_key()
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "store")
    monkeypatch.setenv(KEY_ENV, value)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    return value


@pytest.fixture
def stored(key: str) -> Settings:
    return Settings.from_env()


def raw_rows(settings: Settings) -> list[tuple[str, ...]]:
    with open_store(settings) as store:
        rows = store.conn.execute(
            "SELECT name, key_id, sealed, updated_at FROM stored_secrets ORDER BY name"
        ).fetchall()
    return [tuple(str(v) for v in row) for row in rows]


def test_round_trip_and_no_plaintext_in_the_table(stored: Settings) -> None:
    secrets = open_secrets(stored)
    assert isinstance(secrets, StoreSecrets)
    secrets.set("integration:a", TOKEN)
    secrets.set("integration:b", "second")
    secrets.set("integration:b", "second, replaced")
    assert secrets.get("integration:a") == TOKEN
    assert secrets.get("integration:b") == "second, replaced"
    assert secrets.get("integration:none") is None
    assert secrets.names() == ["integration:a", "integration:b"]
    rows = raw_rows(stored)
    assert [r[0] for r in rows] == ["integration:a", "integration:b"]
    text = repr(rows)
    assert "S3cr3t" not in text and "second" not in text
    for row in rows:  # nonce (12) + tag (16) + the secret's length, in base64
        assert len(base64.b64decode(row[2])) == 12 + 16 + len(
            TOKEN if row[0].endswith("a") else "second, replaced"
        )
    assert secrets.delete_many(["integration:a", "integration:none"]) == 1
    secrets.delete("integration:b")
    assert raw_rows(stored) == []


def test_setdefault_keeps_the_first_value(stored: Settings) -> None:
    secrets = open_secrets(stored)
    assert isinstance(secrets, StoreSecrets)
    assert secrets.setdefault("jwt-signing-key", "first") == "first"
    assert secrets.setdefault("jwt-signing-key", "second") == "first"


def test_another_key_is_told_apart(stored: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    open_secrets(stored).set("integration:a", TOKEN)
    monkeypatch.setenv(KEY_ENV, new_key())
    other = open_secrets(stored)
    with pytest.raises(SecretsKeyUnusable, match="written with another key") as caught:
        other.get("integration:a")
    assert caught.value.exit_code == 6 and caught.value.http_status == 503
    with pytest.raises(SecretsKeyUnusable, match="written with another key"):
        other.set("integration:b", "x")  # one store never mixes keys
    assert [r[0] for r in raw_rows(stored)] == ["integration:a"]


def test_tampered_and_swapped_rows_are_refused(stored: Settings) -> None:
    secrets = open_secrets(stored)
    secrets.set("integration:a", TOKEN)
    secrets.set("integration:b", "another token")
    with open_store(stored) as store:
        repo = SecretsRepo(store.conn)
        a, b = repo.get("integration:a"), repo.get("integration:b")
        assert a is not None and b is not None
        # b's sealed text under a's name: the name is the seal's associated data.
        repo.put(dataclasses.replace(b, name="integration:a"))
        # one flipped byte of ciphertext
        raw = bytearray(base64.b64decode(b.sealed))
        raw[-1] ^= 1
        repo.put(SealedSecret("integration:b", b.key_id, base64.b64encode(raw).decode()))
    with pytest.raises(SecretsKeyUnusable, match="'integration:a' fails its integrity check"):
        secrets.get("integration:a")
    with pytest.raises(SecretsKeyUnusable, match="'integration:b' fails its integrity check"):
        secrets.get("integration:b")


def test_written_in_the_callers_transaction(stored: Settings) -> None:
    """Connecting an integration seals its token on the operation's own connection: a rollback
    takes the secret with it, and SQLite's write lock is never waited on by a second connection."""
    with open_store(stored) as store:
        secrets = open_secrets(stored, store=store)
        with pytest.raises(RuntimeError), store.transaction():
            secrets.set("integration:rolled-back", TOKEN)
            raise RuntimeError("abort")
        row = integration_ops.connect_github(store, secrets, org="acme", token=TOKEN, verify=False)
    assert [r[0] for r in raw_rows(stored)] == [integration_secret_key(row["id"])]
    assert open_secrets(stored).get(integration_secret_key(row["id"])) is not None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs a key: SENTINEL_SECRETS_KEY or SENTINEL_SECRETS_KEY_FILE is not set"),
        ({KEY_ENV: "not base64!"}, "SENTINEL_SECRETS_KEY is not 32 bytes in base64"),
        ({KEY_ENV: base64.b64encode(b"short").decode()}, "is not 32 bytes in base64"),
        ({KEY_ENV: new_key(), KEY_FILE_ENV: "/x"}, "both SENTINEL_SECRETS_KEY and"),
        ({KEY_FILE_ENV: "/nonexistent/key"}, "cannot read the secrets key file /nonexistent/key"),
    ],
)
def test_unusable_keys(env: dict[str, str], message: str) -> None:
    with pytest.raises(SecretsKeyUnusable, match=message) as caught:
        load_key(env)
    assert env.get(KEY_ENV, "#") not in caught.value.message  # never the value


def test_key_file(tmp_path: Path, stored: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    value = new_key()
    path = tmp_path / "secrets-key"
    path.write_text(value + "\n")
    assert load_key({KEY_FILE_ENV: str(path)}) == base64.b64decode(value)
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    open_secrets(stored).set("x", "y")
    monkeypatch.delenv(KEY_FILE_ENV)
    monkeypatch.setenv(KEY_ENV, value)
    assert open_secrets(stored).get("x") == "y"  # the same key, given either way


def test_host_backends_stay_apart(stored: Settings) -> None:
    """The base layer refuses to serve the store's secrets from a per-host file; the CLI's own
    login token stays on this machine."""
    with pytest.raises(SecretsUnavailable, match="internal error"):
        open_host_secrets(stored)
    assert open_local_secrets(stored).backend in ("file", "keyring")


def test_cli_without_a_key_is_one_line(stored: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A local command that needs the secrets fails with one line and exit 6, no traceback."""
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", *ARGS],
        env={**env, "GITHUB_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 6, done.stderr
    assert "SENTINEL_SECRETS_KEY or SENTINEL_SECRETS_KEY_FILE is not set" in done.stderr
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr


def test_move_from_the_file_backend(home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """``secrets move --to store`` seals what a single host kept in ``secrets.json`` into the
    store, leaves the source as it was, keeps what the store already holds, and never takes the
    CLI's login token."""
    settings = Settings.from_env()  # the file backend of the test's home
    file_secrets = open_host_secrets(settings)
    with open_store(settings) as store:
        iid = integration_ops.connect_github(
            store, file_secrets, org="acme", token=TOKEN, verify=False
        )["id"]
    file_secrets.set("jwt-signing-key", "old signing key")
    file_secrets.set("client-token", "a person's login token")
    monkeypatch.setenv("SENTINEL_SECRETS_BACKEND", "store")
    monkeypatch.setenv(KEY_ENV, new_key())
    stored = Settings.from_env()
    open_secrets(stored).set("jwt-signing-key", "the servers' key")

    first = cli("secrets", "move", "--to", "store", "--from", "file", "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json() == {
        "from": "file",
        "moved": [integration_secret_key(iid)],
        "kept": ["jwt-signing-key"],
        "missing": [],
    }
    sealed = open_secrets(stored)
    assert sealed.get(integration_secret_key(iid)) is not None
    assert TOKEN in str(sealed.get(integration_secret_key(iid)))
    assert sealed.get("jwt-signing-key") == "the servers' key"
    assert sealed.get("client-token") is None
    assert open_host_secrets(settings).get(integration_secret_key(iid)) is not None  # untouched
    assert TOKEN not in repr(raw_rows(stored))
    again = cli("secrets", "move", "--to", "store", "--from", "file", "--json").json()
    assert again["moved"] == [] and sorted(again["kept"]) == sorted(
        [integration_secret_key(iid), "jwt-signing-key"]
    )
    refused = cli("secrets", "move", "--to", "file")
    assert refused.exit_code == 2 and "--to must be 'store'" in refused.stderr


def test_connect_through_the_local_cli(
    stored: Settings, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    connected = cli(*ARGS, "--json")
    assert connected.exit_code == 0, connected.stderr
    iid = connected.json()["integration"]["id"]
    assert open_secrets(stored).get(integration_secret_key(iid)) is not None
    assert [r[0] for r in raw_rows(stored)] == [integration_secret_key(iid)]
    assert not (stored.home / "secrets.json").exists()
