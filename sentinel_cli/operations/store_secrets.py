"""Secrets kept in the shared store, sealed: ``SENTINEL_SECRETS_BACKEND=store``.

With the store on PostgreSQL, two ``serve`` hosts and any number of ``sentinel worker`` hosts
must read the same GitHub tokens, AWS keys and JWT signing key; a keyring or ``secrets.json`` on
one host is invisible to the others. This backend keeps them in the ``stored_secrets`` table,
each sealed with AES-256-GCM under a key every host is given (``SENTINEL_SECRETS_KEY``: 32 bytes
in base64; or ``SENTINEL_SECRETS_KEY_FILE``, a file holding it, for Docker and Kubernetes
secrets). AES-GCM rather than Fernet because GCM takes associated data: the secret's name is
bound into each seal, so a row copied over another secret's row fails to open instead of handing
one integration's token to another. A database dump alone therefore reveals no secret.

A row holds base64(nonce + ciphertext + tag) and the key's id, an HMAC of a fixed label under
the key (it identifies the key without revealing it): a host given another key is told "written
with another key" rather than a cipher failure, and refuses to write, so one store never mixes
keys. The key is never stored, logged or shown.

``open_secrets`` is what code that handles the deployment's secrets calls (the API, the workers,
local CLI commands): the sealed backend when configured, this machine's keyring or file otherwise.
Given the caller's store, reads and writes go through its connection, so a secret written inside
the caller's transaction (connecting an integration) commits or rolls back with it; without one
(the API's signing key at start), each call opens the store for itself.

``move_to_store`` (``sentinel secrets move --to store``) seals what one machine kept so far into
the store, for a deployment that outgrows it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sentinel_cli import secrets as local
from sentinel_cli.config import Settings
from sentinel_cli.errors import SecretsKeyUnusable
from sentinel_cli.secrets import (
    KEY_ENV,
    SIGNING_KEY_NAME,
    SecretStore,
    integration_secret_key,
    load_key,
)
from sentinel_cli.store.secrets_repo import SealedSecret, SecretsRepo

if TYPE_CHECKING:
    from sentinel_cli.store import Store

NONCE_BYTES = 12
_KEY_ID_LABEL = b"sentinel stored secrets key id v1"
_AAD_PREFIX = b"sentinel stored secret v1\x00"


class SecretsCipher:
    """AES-256-GCM under one key; the secret's name is the associated data of its seal."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.key_id = hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"SecretsCipher(key_id={self.key_id})"  # never the key

    @staticmethod
    def _aad(name: str) -> bytes:
        return _AAD_PREFIX + name.encode("utf-8")

    def seal(self, name: str, value: str) -> SealedSecret:
        nonce = os.urandom(NONCE_BYTES)
        box = self._aead.encrypt(nonce, value.encode("utf-8"), self._aad(name))
        return SealedSecret(name, self.key_id, base64.b64encode(nonce + box).decode("ascii"))

    def open(self, row: SealedSecret) -> str:
        from cryptography.exceptions import InvalidTag

        if row.key_id != self.key_id:
            raise other_key(row.key_id, self.key_id)
        try:
            raw = base64.b64decode(row.sealed, validate=True)
            value = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(row.name))
            return value.decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SecretsKeyUnusable(
                f"the stored secret {row.name!r} fails its integrity check: its row was altered "
                "or copied from another secret",
                hint="set the secret again (reconnect the integration, or rotate the signing key)",
            ) from exc


def other_key(found: str, ours: str) -> SecretsKeyUnusable:
    return SecretsKeyUnusable(
        f"this store's secrets were written with another key (key id {found}; "
        f"this host's {KEY_ENV} has key id {ours})",
        hint=f"give this host the {KEY_ENV} the other hosts use",
    )


class StoreSecrets:
    """The ``SecretStore`` of ``SENTINEL_SECRETS_BACKEND=store``."""

    backend = "store"

    def __init__(self, cipher: SecretsCipher, settings: Settings, store: Store | None = None):
        self.cipher = cipher
        self.settings = settings
        self.store = store

    def bound(self, store: Store) -> StoreSecrets:
        """The same secrets read and written through ``store``'s connection (and transaction)."""
        return StoreSecrets(self.cipher, self.settings, store)

    @contextmanager
    def _repo(self) -> Iterator[SecretsRepo]:
        if self.store is not None:
            yield SecretsRepo(self.store.conn)
            return
        from sentinel_cli.store import open_store

        with open_store(self.settings) as store:
            yield SecretsRepo(store.conn)

    def get(self, key: str) -> str | None:
        with self._repo() as repo:
            row = repo.get(key)
        return None if row is None else self.cipher.open(row)

    def set(self, key: str, value: str) -> None:
        with self._repo() as repo:
            self._same_key(repo)
            repo.put(self.cipher.seal(key, value))

    def setdefault(self, key: str, value: str) -> str:
        """The stored value of ``key``, storing ``value`` first when there is none: hosts that
        start together all end up with the value of whichever wrote first."""
        with self._repo() as repo:
            self._same_key(repo)
            if repo.add(self.cipher.seal(key, value)):
                return value
            row = repo.get(key)
        if row is None:  # removed between the two statements: try once more
            return self.setdefault(key, value)
        return self.cipher.open(row)

    def delete(self, key: str) -> None:
        self.delete_many([key])

    def delete_many(self, keys: Iterable[str]) -> int:
        with self._repo() as repo:
            return repo.delete_many(sorted(set(keys)))

    def names(self) -> list[str]:
        with self._repo() as repo:
            return repo.names()

    def _same_key(self, repo: SecretsRepo) -> None:
        found = repo.other_key_id(self.cipher.key_id)
        if found is not None:
            raise other_key(found, self.cipher.key_id)


def open_secrets(
    settings: Settings, *, announce: bool = True, store: Store | None = None
) -> SecretStore:
    """The deployment's secrets: sealed in the store when ``SENTINEL_SECRETS_BACKEND=store``
    (through ``store``'s connection when given), else this machine's keyring or file."""
    if settings.secrets_backend == "store":
        return StoreSecrets(SecretsCipher(load_key()), settings, store)
    return local.open_secrets(settings, announce=announce)


def with_store(secrets: Any, store: Callable[[], Store]) -> Any:
    """``secrets`` reading and writing through the store ``store()`` gives when they live in
    the store (so they share its transaction); any other backend unchanged (no store opened)."""
    if isinstance(secrets, StoreSecrets) and secrets.store is None:
        return secrets.bound(store())
    return secrets


@dataclass
class Moved:
    """What ``move_to_store`` did, by secret name (never a value)."""

    moved: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Already in the store: left as they were (a serve host may already have created the key)."""
    missing: list[str] = field(default_factory=list)
    """Known to the store (an integration, a destination) but absent from the source backend."""
    source: str = ""


def deployment_secret_names(store: Store) -> list[str]:
    """The names of every secret the deployment may hold: the signing key, the SMTP password,
    each integration's and each notification destination's. Listed from the store, so a keyring
    (which cannot list its entries) is read by name, and the CLI's login token is never among
    them."""
    from sentinel_cli.operations.notify_send import SMTP_PASSWORD_KEY, destination_secret_key

    names = [SIGNING_KEY_NAME, SMTP_PASSWORD_KEY]
    names += [
        integration_secret_key(row["id"]) for row in store.integrations.list() if row["has_secret"]
    ]
    names += [destination_secret_key(row["id"]) for row in store.notifications.list_destinations()]
    return names


def move_to_store(settings: Settings, *, source_backend: str | None = None) -> Moved:
    """Copy this machine's secrets (its keyring or ``secrets.json``) into the store, sealed, in
    one transaction. The source is read only: remove it once every host uses the store."""
    from sentinel_cli.store import open_store

    cipher = SecretsCipher(load_key())
    source = local.open_local_secrets(
        dataclasses.replace(settings, secrets_backend=source_backend), announce=False
    )
    done = Moved(source=source.backend)
    with open_store(settings) as store, store.transaction():
        target = StoreSecrets(cipher, settings, store)
        for name in deployment_secret_names(store):
            value = source.get(name)
            if value is None:
                if name.startswith(integration_secret_key("")):
                    done.missing.append(name)
            elif target.get(name) is not None:
                done.kept.append(name)
            else:
                target.set(name, value)
                done.moved.append(name)
    return done
