"""Fixtures for the AWS collector tests: fake credentials, a loopback-only network guard, a seeded
in-process moto account (seeded and collected once per session: seeding costs seconds) and a
moto server subprocess on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from sentinel_cli.collectors.aws import AwsCollection, AwsCredentials, collect_aws_with_stats
from sentinel_cli.standins.aws_seed import SeedManifest, seed_account
from sentinel_cli.standins.moto_server import MOTO_ENV, running_moto_server

REGIONS = ("us-east-1", "eu-west-1")
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    **MOTO_ENV,
}
UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


def _set_env(mp: pytest.MonkeyPatch) -> None:
    for key, value in FAKE_ENV.items():
        mp.setenv(key, value)
    for key in UNSET:
        mp.delenv(key, raising=False)


def _is_loopback(host: Any) -> bool:
    if host in (None, "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(mp: pytest.MonkeyPatch) -> None:
    """Refuse any name lookup or connection that would leave this machine."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise socket.gaierror(f"test network guard: {host} is not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"test network guard: {address[0]} is not loopback")
        return real_connect(self, address)

    mp.setattr(socket, "getaddrinfo", getaddrinfo)
    mp.setattr(socket.socket, "connect", connect)


@contextmanager
def aws_sandbox() -> Iterator[None]:
    """Fake credentials, no user config, moto settings, and the loopback-only network guard."""
    with pytest.MonkeyPatch.context() as mp:
        _set_env(mp)
        _guard(mp)
        yield


@pytest.fixture(autouse=True)
def _aws_sandbox_per_test() -> Iterator[None]:
    # Function scope: nothing set here can leak into other engineers' tests in the same run.
    with aws_sandbox():
        yield


@pytest.fixture
def mocked() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@dataclass(frozen=True)
class Seeded:
    manifest: SeedManifest
    collection: AwsCollection
    progress: list[tuple[int, int, str]]


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    """The known set seeded into in-process moto and collected once over two regions.

    Module scope (seeding costs seconds); the mock and the sandbox end with the module.
    """
    from moto import mock_aws

    with aws_sandbox(), mock_aws():
        creds = AwsCredentials(region="us-east-1")
        manifest = seed_account(creds, regions=REGIONS)
        calls: list[tuple[int, int, str]] = []
        collection = collect_aws_with_stats(
            creds,
            regions=list(REGIONS),
            workers=4,
            progress=lambda done, total, label: calls.append((done, total, label)),
            now="2026-01-01T00:00:00Z",
        )
        yield Seeded(manifest, collection, calls)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server subprocess on 127.0.0.1 and a free port, for one test module."""
    with aws_sandbox(), running_moto_server() as endpoint:
        yield endpoint
