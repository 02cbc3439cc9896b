"""Server settings: the store's ``Settings`` plus what only the API needs (limits, token lifetime).

Built from the environment so every ``--workers`` process, which uvicorn starts from an import string,
builds the same app: ``sentinel serve`` turns its options into environment variables before it
starts uvicorn. Limits are written ``REQUESTS/SECONDS`` (``100/900`` = 100 requests per 15-minute
window); ``off`` disables one.

Three budgets: ``rate_limit`` for the API (per user, per client address without a token),
``login_rate_limit`` for password checks (per client address, API and web sign-in together) and
``web_rate_limit`` for the web dashboard's pages and htmx requests (per browser session, per client
address before sign-in). The web budget is sized for one person clicking through pages while one
page polls every 2 s: polling alone is 450 requests per 15 minutes, so 1,200 leaves room for a
second tab and brisk clicking. ``/static/`` assets are never counted, and page views never touch
the API's budget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.limits import MAX_BODY_BYTES

ENV_RATE_LIMIT = "SENTINEL_RATE_LIMIT"
ENV_MAX_BODY_BYTES = "SENTINEL_MAX_BODY_BYTES"
ENV_MAX_UPLOAD_BYTES = "SENTINEL_MAX_UPLOAD_BYTES"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
UPLOAD_PATHS = frozenset({"/reports/verify"})
"""Routes that take a file (the dashboard's report verification): ``max_upload_bytes`` applies."""
ENV_LOGIN_RATE_LIMIT = "SENTINEL_LOGIN_RATE_LIMIT"
ENV_WEB_RATE_LIMIT = "SENTINEL_WEB_RATE_LIMIT"
ENV_BENCH = "SENTINEL_BENCH"
TOKEN_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests per fixed window of ``window`` seconds."""

    limit: int
    window: int

    @classmethod
    def parse(cls, text: str, *, name: str) -> RateLimit | None:
        value = text.strip().lower()
        if value in ("off", "none", "0"):
            return None
        try:
            count, _, seconds = value.partition("/")
            parsed = cls(int(count), int(seconds or 900))
        except ValueError:
            raise InvalidInput(
                f"{name}={text!r} is not a rate limit",
                hint="write REQUESTS/SECONDS, e.g. 100/900 (100 per 15 minutes), or off",
            ) from None
        if parsed.limit < 1 or parsed.window < 1:
            raise InvalidInput(f"{name}={text!r}: requests and seconds must be at least 1")
        return parsed

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}"


DEFAULT_RATE_LIMIT = RateLimit(100, 900)
DEFAULT_LOGIN_RATE_LIMIT = RateLimit(10, 900)
DEFAULT_WEB_RATE_LIMIT = RateLimit(1200, 900)


@dataclass(frozen=True)
class ApiSettings:
    base: Settings
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT
    """Per authenticated user (per client IP for requests without a valid token)."""
    login_rate_limit: RateLimit | None = DEFAULT_LOGIN_RATE_LIMIT
    """Login attempts per client IP, on top of ``rate_limit``: against password guessing."""
    web_rate_limit: RateLimit | None = DEFAULT_WEB_RATE_LIMIT
    """Web pages and htmx requests per browser session (per client IP before sign-in), instead
    of ``rate_limit``: see the module docstring for its size."""
    token_ttl_seconds: int = TOKEN_TTL_SECONDS
    bench: bool = False
    """Serve ``/api/_bench/hello`` (the throughput ceiling ``bench/api.py`` compares against)."""
    job_shutdown_grace: float = 10.0
    """Seconds a stopping server waits for running collections before it leaves them to recovery."""
    pool_size: int = field(default=8)
    max_body_bytes: int = MAX_BODY_BYTES
    """Largest request body (declared or streamed); a larger one gets 413. The API needs no more:
    its report verification hashes the file on the caller's machine."""
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    """Largest body of an ``UPLOAD_PATHS`` route: a report PDF uploaded to be verified."""

    def body_limit(self, path: str) -> int:
        return self.max_upload_bytes if path in UPLOAD_PATHS else self.max_body_bytes

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        rate = env.get(ENV_RATE_LIMIT)
        login = env.get(ENV_LOGIN_RATE_LIMIT)
        web = env.get(ENV_WEB_RATE_LIMIT)
        return cls(
            base=Settings.from_env(env),
            rate_limit=RateLimit.parse(rate, name=ENV_RATE_LIMIT) if rate else DEFAULT_RATE_LIMIT,
            login_rate_limit=(
                RateLimit.parse(login, name=ENV_LOGIN_RATE_LIMIT)
                if login
                else DEFAULT_LOGIN_RATE_LIMIT
            ),
            web_rate_limit=(
                RateLimit.parse(web, name=ENV_WEB_RATE_LIMIT) if web else DEFAULT_WEB_RATE_LIMIT
            ),
            bench=env.get(ENV_BENCH, "") not in ("", "0", "false"),
            max_body_bytes=_byte_count(
                env.get(ENV_MAX_BODY_BYTES), name=ENV_MAX_BODY_BYTES, default=MAX_BODY_BYTES
            ),
            max_upload_bytes=_byte_count(
                env.get(ENV_MAX_UPLOAD_BYTES), name=ENV_MAX_UPLOAD_BYTES, default=MAX_UPLOAD_BYTES
            ),
        )


def _byte_count(text: str | None, *, name: str, default: int) -> int:
    if not text:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise InvalidInput(f"{name}={text!r} is not a byte count", hint="e.g. 1048576 (1 MiB)")
    return value
