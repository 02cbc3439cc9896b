"""The reference deployment's files (compose.yaml, deploy/) follow the product, like the README.

Docker cannot run here, so the files are checked as data: every ``sentinel`` command a
container runs resolves in the real command tree with options that exist, the environment is
settings Sentinel reads (and parses), the proxy's address is the one the servers trust, the
proxy's upstreams are the serve containers on their port and probe a route the API has, and the
image installs extras the package declares from paths that exist.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from sentinel_cli.cli.root import app
from sentinel_cli.config import SECRETS_BACKENDS, Settings, is_database_url, url_passwords
from tests.cli.test_readme import _resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SENTINEL = {name: s for name, s in SERVICES.items() if s.get("image", "").startswith("sentinel")}
SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sentinel_cli").rglob("*.py"))


def test_the_services_of_the_picture() -> None:
    assert set(SERVICES) == {
        "postgres",
        "redis",
        "migrate",
        "serve-1",
        "serve-2",
        "worker",
        "proxy",
    }
    assert set(SENTINEL) == {"migrate", "serve-1", "serve-2", "worker"}
    assert SERVICES["postgres"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    for name in ("serve-1", "serve-2", "worker"):
        deps = SENTINEL[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(SENTINEL))
def test_each_command_and_option_exists(name: str) -> None:
    args = [str(word) for word in SENTINEL[name]["command"]]
    command, options, _ = _resolve(typer.main.get_command(app), args)
    assert command.name == {"migrate": "migrate", "worker": "worker"}.get(name, "serve"), args
    known = {opt for param in command.params for opt in param.opts}
    assert set(options) <= known, (name, set(options) - known)


def test_servers_have_no_worker_and_trust_the_proxy_only() -> None:
    subnet = ipaddress.ip_network(COMPOSE["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    proxy = ipaddress.ip_address(SERVICES["proxy"]["networks"]["backend"]["ipv4_address"])
    assert proxy in subnet
    for name in ("serve-1", "serve-2"):
        args = [str(word) for word in SENTINEL[name]["command"]]
        assert "--no-worker" in args
        assert args[args.index("--forwarded-allow-ips") + 1] == str(proxy)
        assert args[args.index("--port") + 1] == "8000"
        probe = " ".join(SENTINEL[name]["healthcheck"]["test"])
        assert "http://127.0.0.1:8000/api/health" in probe


@pytest.mark.parametrize("name", sorted(SENTINEL))
def test_the_environment_is_settings_sentinel_reads(name: str) -> None:
    service = SENTINEL[name]
    env = {k: str(v) for k, v in service["environment"].items()}
    for key in env:
        assert f'"{key}"' in SOURCES, f"{key} is read nowhere in sentinel_cli"
    assert is_database_url(env["SENTINEL_DB"]) and url_passwords(env["SENTINEL_DB"]) == []
    assert env["SENTINEL_QUEUE"].startswith("redis://redis:6379/")
    assert env["SENTINEL_SECRETS_BACKEND"] == "store" in SECRETS_BACKENDS
    secret = env["SENTINEL_SECRETS_KEY_FILE"].removeprefix("/run/secrets/")
    assert secret in service["secrets"] and secret in COMPOSE["secrets"]
    settings = Settings.from_env({**env, "SENTINEL_HOME": "/var/lib/sentinel"})
    assert settings.db_url == env["SENTINEL_DB"] and settings.secrets_backend == "store"


def test_the_proxy_sends_to_both_servers_and_probes_health() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    mounted = [v.split(":")[0] for v in SERVICES["proxy"]["volumes"] if "Caddyfile" in v]
    assert mounted == ["./deploy/Caddyfile"]
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)
    assert upstreams is not None
    assert upstreams.group(1).split() == ["serve-1:8000", "serve-2:8000"]
    assert "health_uri /api/health" in caddyfile and "tls internal" in caddyfile
    from sentinel_cli.api.routers.health import router

    assert "/api/health" in {getattr(route, "path", "") for route in router.routes}


def test_the_image_installs_declared_extras_from_paths_that_exist() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert (
        next(x for x in dockerfile.splitlines() if x.startswith("FROM ")) == "FROM python:3.11-slim"
    )
    extras = re.search(r"pip install '\.\[([a-z,]+)\]'", dockerfile)
    assert extras is not None and extras.group(1).split(",") == ["serve", "postgres", "redis"]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(extras.group(1).split(",")) <= set(declared["optional-dependencies"])
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert SENTINEL["worker"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / "deploy" / "sentinel.env.example").exists()
