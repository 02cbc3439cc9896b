"""Where a server may send requests on its users' behalf, and with whose AWS credentials.

On a user's own machine, the CLI contacts whatever endpoint its user names: the user already has
the machine's network and credentials. Under ``sentinel serve`` (and any server-side worker) the
same request comes from a remote user, possibly a MEMBER, and the server would otherwise lend them
its network position (loopback services, the cloud metadata address, the private LAN) and, for AWS,
its own credential chain. ``EgressPolicy.server()`` is that server's rule:

- a custom AWS endpoint, GitHub base URL or notification URL is allowed when every address its
  host resolves to is public, or when the operator listed it in ``--allow-endpoint-hosts``
  (``SENTINEL_ALLOW_ENDPOINT_HOSTS``): a hostname allows that name; an IP or CIDR range is matched
  against every address the name resolves to; each may carry ``:port`` to allow that port only;
- an AWS connection must bring its own keys (optionally with a role to assume with them) unless
  the operator allows ambient credentials (``--allow-ambient-aws-credentials``,
  ``SENTINEL_ALLOW_AMBIENT_AWS_CREDENTIALS=1``): profiles and the default chain are the server's;
- a failure to reach such an endpoint is reported in one message whatever the cause (refused,
  timed out, not the expected API), so the answers do not map open and closed ports.

The host is resolved and checked before the first request, and again before every request
(botocore's ``before-send`` event, the GitHub client's request wrapper). Neither botocore nor
PyGithub offers a public way to connect to an address chosen by the caller, so a name whose DNS
answer changes between the check and the library's own lookup (DNS rebinding) has that window of a
few milliseconds per request; listing only the hosts you need, or not exposing custom endpoints to
untrusted users, closes it. Timing is not equalised: a refused connection still fails faster than
a filtered one.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from sentinel_cli.errors import EndpointUnusable, InvalidInput

log = logging.getLogger("sentinel.egress")

ENV_ALLOW_ENDPOINT_HOSTS = "SENTINEL_ALLOW_ENDPOINT_HOSTS"
ENV_ALLOW_AMBIENT_AWS_CREDENTIALS = "SENTINEL_ALLOW_AMBIENT_AWS_CREDENTIALS"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class EndpointNotAllowed(InvalidInput):
    """The server's outbound rule refuses this endpoint (before any connection is made)."""


@dataclass(frozen=True)
class AllowedHost:
    """One entry of the allow-list: a hostname or an IP network, optionally one port."""

    name: str | None = None
    network: IpNetwork | None = None
    port: int | None = None

    def allows_name(self, host: str, port: int) -> bool:
        return self.name is not None and self.name == host and self.port in (None, port)

    def allows_address(self, address: IpAddress, port: int) -> bool:
        return (
            self.network is not None
            and address.version == self.network.version
            and address in self.network
            and self.port in (None, port)
        )

    def __str__(self) -> str:
        network = self.network
        if network is not None and network.prefixlen == network.max_prefixlen:
            host = str(network.network_address)
        else:
            host = self.name or str(network)
        if self.port is None:
            return host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


def parse_allowed_hosts(
    value: str, *, option: str = "--allow-endpoint-hosts"
) -> tuple[AllowedHost, ...]:
    """``"10.0.0.0/8, ghe.corp:8443, [fd00::1]:443"`` -> entries; a malformed entry is an error
    (a typo must fail at start, not silently allow nothing)."""
    return tuple(_parse_entry(raw.strip(), option) for raw in value.split(",") if raw.strip())


def _parse_entry(entry: str, option: str) -> AllowedHost:
    host, port = entry, None
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", entry)
    if bracketed:
        host, port_text = bracketed.group(1), bracketed.group(2)
        port = _port(port_text, entry, option) if port_text else None
    elif entry.count(":") == 1:
        host, port_text = entry.split(":")
        port = _port(port_text, entry, option)
    try:
        return AllowedHost(network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if not _HOSTNAME.match(name) or name.replace(".", "").isdigit():
        raise InvalidInput(
            f"{option}: {entry!r} is not a hostname, IP address or CIDR range (with an optional :port)",
            hint="e.g. 127.0.0.1, 10.0.0.0/8, ghe.example.com:8443 or [fd00::1]:443, comma-separated",
        )
    return AllowedHost(name=name, port=port)


def _port(text: str, entry: str, option: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InvalidInput(f"{option}: {entry!r} has no valid port (1-65535)")
    return int(text)


def is_public(address: IpAddress) -> bool:
    """Globally routable unicast: not loopback, link-local (metadata), private, unique-local,
    shared, reserved, unspecified or multicast; IPv4-mapped IPv6 is judged as its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class EgressPolicy:
    """The outbound rule of one process. The default, unrestricted, is a user's own CLI."""

    restricted: bool = False
    allowed: tuple[AllowedHost, ...] = ()
    ambient_aws_credentials: bool = True

    @classmethod
    def server(cls, environ: Mapping[str, str] | None = None) -> EgressPolicy:
        """The rule of a server process, from its environment (so every uvicorn worker process and
        ``sentinel worker`` read the same settings that ``serve`` was given)."""
        env = os.environ if environ is None else environ
        return cls(
            restricted=True,
            allowed=parse_allowed_hosts(
                env.get(ENV_ALLOW_ENDPOINT_HOSTS, ""), option=ENV_ALLOW_ENDPOINT_HOSTS
            ),
            ambient_aws_credentials=_truthy(env.get(ENV_ALLOW_AMBIENT_AWS_CREDENTIALS)),
        )

    def check_url(self, url: str, *, field: str) -> None:
        """Refuse ``url`` unless this process may contact it; resolves its host to decide."""
        if not self.restricted:
            return
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 443)
        except ValueError:
            raise InvalidInput(f"{field}: {url!r} has an invalid port") from None
        if not host:
            raise InvalidInput(f"{field}: {url!r} names no host")
        if any(entry.allows_name(host, port) for entry in self.allowed):
            return
        for address in self._resolve(host, port, field):
            if is_public(address) or any(e.allows_address(address, port) for e in self.allowed):
                continue
            raise EndpointNotAllowed(
                f"{field}: {host} {'is' if _is_literal(host) else 'resolves to'} a "
                f"{_kind(address)} address, which this server does not contact on a user's behalf",
                hint="an administrator of this server can allow it with "
                f"'sentinel serve --allow-endpoint-hosts {_suggest(host, address)}' "
                f"(env {ENV_ALLOW_ENDPOINT_HOSTS})",
            )

    def _resolve(self, host: str, port: int, field: str) -> list[IpAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise unreachable(field, host) from None
        addresses: list[IpAddress] = []
        for info in infos:
            text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
            addresses.append(ipaddress.ip_address(text))
        if not addresses:
            raise unreachable(field, host)
        return addresses

    def check_aws_credentials(self, *, has_keys: bool) -> None:
        """Under a server, an AWS connection must bring its own keys (a role to assume with them
        is fine): a profile or the default chain would be the server's own identity."""
        if self.restricted and not has_keys and not self.ambient_aws_credentials:
            raise InvalidInput(
                "this server does not lend its own AWS credentials: give the connection an access "
                "key pair (accessKeyId and secretAccessKey), optionally with a roleArn to assume",
                hint="an administrator can allow profiles and the server's default credential chain "
                f"with 'sentinel serve --allow-ambient-aws-credentials' (env "
                f"{ENV_ALLOW_AMBIENT_AWS_CREDENTIALS}=1)",
            )

    @contextmanager
    def one_failure_message(self, field: str, url: str | None) -> Iterator[None]:
        """Under a server, every failure to reach or understand a custom endpoint becomes one
        message, so a user cannot tell a closed port from an open one by the answer."""
        try:
            yield
        except EndpointUnusable as exc:
            if not (self.restricted and url):
                raise
            log.warning("%s %s: %s", field, url, exc)  # the cause, for the operator only
            raise unreachable(field, urlsplit(url).hostname or url) from None


def unreachable(field: str, host: str) -> InvalidInput:
    """The one answer for an endpoint that could not be used, whatever the cause."""
    return InvalidInput(
        f"{field}: could not use {host}: the connection failed or the answer was not the "
        "expected API",
        hint="check the URL; the cause is in the server's log",
    )


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _kind(address: IpAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-public"


def _suggest(host: str, address: IpAddress) -> str:
    return host if not _is_literal(host) else str(address)


UNRESTRICTED = EgressPolicy()
