"""The outbound rule itself, and its re-check before every request inside both collectors.

The operations check an endpoint before connecting; these tests show the collectors check again
right before each request is sent (botocore's ``before-send`` event, the GitHub client's request
wrapper), so a name that resolves differently later is still refused before any byte is sent.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest

from sentinel_cli.egress import (
    UNRESTRICTED,
    EgressPolicy,
    EndpointNotAllowed,
    is_public,
    parse_allowed_hosts,
)
from sentinel_cli.errors import InvalidInput

RESTRICTED = EgressPolicy.server({})


@pytest.fixture
def counting_port() -> Iterator[tuple[int, list[int]]]:
    """A TCP listener that counts the connections it accepts (and closes them)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    accepted: list[int] = []

    def loop() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            accepted.append(1)
            conn.close()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("0.0.0.0", False),
        ("::1", False),
        ("fd00::1", False),  # unique local
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("224.0.0.1", False),
    ],
)
def test_public_means_globally_routable_unicast(text: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(text)) is public


def test_allow_list_entries() -> None:
    entries = parse_allowed_hosts(" 10.0.0.0/8, ghe.corp:8443 ,[fd00::1]:443, ::1, LocalHost ")
    assert [str(e) for e in entries] == [
        "10.0.0.0/8",
        "ghe.corp:8443",
        "[fd00::1]:443",
        "::1",
        "localhost",
    ]
    for bad in ("bad host", "10.0.0.1:0", "ghe.corp:http", "[::1]:99999", "a..b"):
        with pytest.raises(InvalidInput):
            parse_allowed_hosts(bad)


def test_listed_names_networks_and_ports() -> None:
    policy = EgressPolicy.server({"SENTINEL_ALLOW_ENDPOINT_HOSTS": "127.0.0.0/8:9000,localhost"})
    policy.check_url("http://127.0.0.5:9000/x", field="f")
    policy.check_url("http://localhost:1234", field="f")  # a listed name allows any port
    with pytest.raises(EndpointNotAllowed, match="loopback"):
        policy.check_url("http://127.0.0.5:9001", field="f")
    with pytest.raises(EndpointNotAllowed, match="link-local"):
        policy.check_url("http://169.254.169.254/latest/meta-data", field="f")
    UNRESTRICTED.check_url("http://169.254.169.254", field="f")  # the user's own machine


def test_ambient_credentials_rule() -> None:
    RESTRICTED.check_aws_credentials(has_keys=True)
    UNRESTRICTED.check_aws_credentials(has_keys=False)
    EgressPolicy.server({"SENTINEL_ALLOW_AMBIENT_AWS_CREDENTIALS": "1"}).check_aws_credentials(
        has_keys=False
    )
    with pytest.raises(InvalidInput, match="does not lend its own AWS credentials"):
        RESTRICTED.check_aws_credentials(has_keys=False)


def test_every_aws_request_is_checked_before_it_is_sent(
    counting_port: tuple[int, list[int]],
) -> None:
    from sentinel_cli.collectors.aws.session import AwsCredentials, verify_aws

    port, accepted = counting_port
    creds = AwsCredentials(
        access_key_id="AKIAEXAMPLEEXAMPLE00",
        secret_access_key="x" * 40,
        endpoint_url=f"http://127.0.0.1:{port}",
        egress=RESTRICTED,
    )
    with pytest.raises(EndpointNotAllowed, match="loopback"):
        verify_aws(creds)
    assert accepted == []


def test_every_github_request_is_checked_before_it_is_sent(
    counting_port: tuple[int, list[int]],
) -> None:
    from sentinel_cli.collectors.github.client import GithubApi

    port, accepted = counting_port
    api = GithubApi(token="t", base_url=f"http://127.0.0.1:{port}", egress=RESTRICTED)
    try:
        with pytest.raises(EndpointNotAllowed, match="loopback"):
            api.get("/orgs/acme")
        # An absolute URL (a Link header's next page) is checked as written.
        with pytest.raises(EndpointNotAllowed, match="link-local"):
            api.get("http://169.254.169.254/orgs/acme")
    finally:
        api.close()
    assert accepted == []
