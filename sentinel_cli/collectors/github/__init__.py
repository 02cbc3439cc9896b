"""GitHub collection: ``verify_github`` checks a connection, ``collect_github`` reads an org.

This package is the only code that imports ``github`` (PyGithub), and it does so lazily: importing
``GithubConfig`` (as ``sentinel integrations connect`` does) costs nothing, so ``sentinel --help``
stays fast. The HTTP layer (pacing, retries, rate limits, call counting) is in ``client.py``; what
each endpoint's answers mean is in ``fetch.py``; the result is a ``GithubInventory`` that the
pure checks in ``sentinel_cli.checks.github`` evaluate.

Failures split in two. Anything that makes the whole collection meaningless — the token is
refused (401), the organization does not exist or is invisible (404), the base URL is not a GitHub
API — raises a domain error before anything is collected, so a job fails cleanly with one line and
nothing half-written. Anything narrower (a missing scope, a non-admin token on an admin-only
endpoint, throttling that outlived retries) becomes a ``FetchError`` in the inventory and, through
the check runner, ERROR evidence naming what was missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sentinel_cli.egress import UNRESTRICTED, EgressPolicy
from sentinel_cli.errors import CredentialsRefused, InvalidInput
from sentinel_cli.inventory.github import GithubInventory

if TYPE_CHECKING:
    from sentinel_cli.collectors.github.client import GithubApi
    from sentinel_cli.collectors.github.fetch import AfterListing, Listed
    from sentinel_cli.wire import JsonObject

DEFAULT_PERIOD_DAYS = 90
MAX_WORKERS = 32

__all__ = ["DEFAULT_PERIOD_DAYS", "GithubConfig", "collect_github", "verify_github"]


@dataclass(frozen=True)
class GithubConfig:
    """How to reach one organization. Secrets are excluded from ``repr`` so they never hit logs.

    ``since``/``until`` bound the change-review population (ISO date or timestamp; a date-only
    ``until`` means the end of that day); default: the 90 days before the collection.
    ``app_id`` + ``app_private_key`` + ``installation_id`` select GitHub App installation auth
    instead of ``token``. ``max_rate_limit_wait`` bounds every sleep for rate limits (seconds);
    ``rate_limit_reserve`` is the budget left untouched for other tools before pausing.
    ``stale_member_days`` is how far back the audit log is read for member activity (keep it at
    least the ``github_stale_member_days`` check setting, or that check reports ERROR), and
    ``audit_log_max_pages`` caps that read (100 events a page) so a busy org costs a bounded
    number of calls.
    """

    org: str
    token: str = field(repr=False)
    base_url: str | None = None
    since: str | None = None
    until: str | None = None
    workers: int = 8
    app_id: int | None = None
    app_private_key: str | None = field(default=None, repr=False)
    installation_id: int | None = None
    max_rate_limit_wait: float = 300.0
    rate_limit_reserve: int = 50
    stale_member_days: int = 180
    audit_log_max_pages: int = 50
    egress: EgressPolicy = field(default=UNRESTRICTED, repr=False, compare=False)
    """Where requests may go: under a server, a custom base URL is re-checked before every call."""


def _validate(config: GithubConfig) -> None:
    if not config.org or "/" in config.org or config.org.strip() != config.org:
        raise InvalidInput(
            f"{config.org!r} is not an organization login", hint="pass the org's login, e.g. acme"
        )
    if config.base_url is not None and not config.base_url.startswith(("http://", "https://")):
        raise InvalidInput(
            "the GitHub base URL must start with https:// (or http:// for a local API)",
            hint="GitHub Enterprise Server: https://HOST/api/v3",
        )
    uses_app = config.app_id is not None
    if uses_app and (not config.app_private_key or config.installation_id is None):
        raise InvalidInput("GitHub App auth needs app_id, app_private_key and installation_id")
    if not uses_app and not config.token:
        raise CredentialsRefused(
            "no GitHub token given",
            hint="create a token with read:org, repo, security_events (and admin:org for owner "
            "settings, read:audit_log for member activity on Enterprise Cloud) or use a GitHub "
            "App installation",
        )
    if not 1 <= config.workers <= MAX_WORKERS:
        # GitHub's secondary limits are about concurrency: keep requests in flight modest.
        raise InvalidInput(f"workers must be between 1 and {MAX_WORKERS}")
    if config.stale_member_days < 1 or config.audit_log_max_pages < 1:
        raise InvalidInput("stale_member_days and audit_log_max_pages must be at least 1")


def _client(config: GithubConfig, on_pause: Callable[[float], None] | None = None) -> GithubApi:
    from sentinel_cli.collectors.github.client import GithubApi

    return GithubApi(
        token=config.token,
        base_url=config.base_url,
        max_wait=config.max_rate_limit_wait,
        reserve=config.rate_limit_reserve,
        app_id=config.app_id,
        app_private_key=config.app_private_key,
        installation_id=config.installation_id,
        on_pause=on_pause,
        egress=config.egress,
    )


def verify_github(config: GithubConfig) -> dict[str, Any]:
    """Read the organization once: ``{"login", "id", "name", "plan"?}``.

    Raises ``CredentialsRefused`` for a refused token (401) or an unknown/invisible org (404),
    ``ExternalServiceError`` when ``base_url`` is unreachable or not a GitHub API, ``InvalidInput``
    for malformed settings. Messages never contain the token.
    """
    from sentinel_cli.collectors.github.fetch import read_org

    _validate(config)
    api = _client(config)
    try:
        org = read_org(api, config.org)
    finally:
        api.close()
    out: dict[str, Any] = {"login": org["login"], "id": org["id"], "name": org.get("name")}
    plan = org.get("plan")
    if isinstance(plan, dict) and plan.get("name"):
        out["plan"] = plan["name"]
    return out


def collect_github(
    config: GithubConfig,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    now: str | None = None,
    after_listing: AfterListing | None = None,
    listed: Listed | None = None,
    repos: list[JsonObject] | None = None,
    dot_github_public: bool = False,
) -> GithubInventory:
    """Collect one organization into a ``GithubInventory``.

    A split collection reads an organization in parts: ``after_listing`` (see
    ``fetch.Collection.run``) may take the repositories away after the listing walk; ``listed``
    replaces that walk with an earlier one's answer; ``repos`` reads only those repositories
    (entries of the listing; ``dot_github_public`` says what the listing said of ``.github``),
    and nothing of the organization, not even ``GET /orgs/{org}``.

    ``progress(done, total, label)`` is called from the calling thread after the repository
    listing (``done=0``) and as each repository completes (label = its full name). While waiting
    for a rate-limit reset it is also called, from the worker that waits, with a label saying so.
    ``now`` (ISO 8601) fixes the collection clock, which also anchors the default audit period.
    """
    import dataclasses

    from sentinel_cli.collectors.github.fetch import Collection, read_org
    from sentinel_cli.timeutil import parse_iso, parse_user_date, to_iso, utcnow

    _validate(config)
    started = parse_iso(now) if now else utcnow()
    until = (
        parse_user_date(config.until, option="--until", end_of_day=True)
        if config.until
        else started
    )
    since = (
        parse_user_date(config.since, option="--since")
        if config.since
        else until - timedelta(days=DEFAULT_PERIOD_DAYS)
    )
    if since > until:
        raise InvalidInput(
            f"the audit period starts ({to_iso(since)}) after it ends ({to_iso(until)})",
            hint="--since must be earlier than --until",
        )
    state = {"done": 0, "total": 0}

    def on_pause(seconds: float) -> None:
        if progress is not None:
            progress(
                state["done"], state["total"], f"rate limit nearly used up: pausing {seconds:.0f}s"
            )

    def tracked(done: int, total: int, label: str) -> None:
        state["done"], state["total"] = done, total
        if progress is not None:
            progress(done, total, label)

    api = _client(config, on_pause)
    try:
        collection = Collection(
            api,
            config.org,
            since=since,
            until=until,
            workers=config.workers,
            progress=tracked,
            now=started,
            stale_member_days=config.stale_member_days,
            audit_log_max_pages=config.audit_log_max_pages,
        )
        if repos is not None:
            inventory = collection.run_repos(repos, dot_github_public=dot_github_public)
        else:
            org = read_org(api, config.org)
            inventory = collection.run(org, after_listing=after_listing, listed=listed)
    finally:
        api.close()
    return dataclasses.replace(inventory, collected_at=to_iso(started), api_calls=api.calls)
