"""Fixed-window rate limits, counted in the store so they hold across ``--workers N`` processes.

Each request counts against one bucket: ``user:<id>`` when it carries a valid token, else
``ip:<client address>``; ``POST /api/auth/login`` also counts against ``login:<client address>``
(default 10 per 15 minutes) to slow password guessing. A web dashboard request (``web=True``)
counts against the web budget instead of the API's: its bucket is ``session:<id>`` (or
``webip:<client address>`` before sign-in), and ``POST /login`` shares the login bucket. Windows
are aligned to multiples of their length in epoch seconds, so every worker agrees on when a window
ends without coordination.

The verdict gives the ``X-RateLimit-*`` headers for every response: for the bucket that refused the
request, or else the one with the fewest requests left. ``/api/health`` is never counted nor refused
(a load balancer polls it), but still reports the caller's remaining allowance.

If the store is locked for longer than its busy timeout (a large collection committing), the limiter
fails open for that request and logs it: refusing all traffic because a counter could not be written
would turn a slow commit into an outage. Except for a login: a password is never checked without
counting the attempt (else holding the write lock would make guessing free), so ``check`` raises
``LoginNotCounted`` and the middleware answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sentinel_cli.api.config import RateLimit
from sentinel_cli.store import Store
from sentinel_cli.store.errors import is_database_failure

log = logging.getLogger("sentinel.api")
PRUNE_EVERY_SECONDS = 600


class LoginNotCounted(Exception):
    """A login attempt could not be counted (the store is locked): refuse it unchecked."""


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset: int
    """Epoch seconds at which the window ends."""
    exceeded: bool
    retry_after: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]
        if self.exceeded:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return out


class RateLimiter:
    def __init__(
        self, general: RateLimit | None, login: RateLimit | None, web: RateLimit | None = None
    ) -> None:
        self.general = general
        self.login = login
        self.web = web
        self._last_prune = 0.0
        self._prune_lock = threading.Lock()

    def check(
        self,
        store: Store,
        *,
        bucket: str,
        client: str,
        login: bool = False,
        count: bool = True,
        now: float | None = None,
        web: bool = False,
    ) -> Verdict | None:
        """Count the request (unless ``count`` is false) and say whether it is within its limits;
        ``web``: against the web budget instead of the API's."""
        moment = time.time() if now is None else now
        checks = []
        budget = self.web if web else self.general
        if budget is not None:
            checks.append((budget, bucket))
        if login and self.login is not None:
            checks.append((self.login, f"login:{client}"))
        if not checks:
            return None
        try:
            verdicts = [self._one(store, rule, name, moment, count) for rule, name in checks]
            self._maybe_prune(store, moment)
        except Exception as exc:
            if not is_database_failure(exc):
                raise
            if login and count and self.login is not None:
                raise LoginNotCounted(str(exc)) from exc
            log.warning("rate limiter skipped for %s: %s", bucket, exc)
            return None
        refused = [v for v in verdicts if v.exceeded]
        if refused:
            return max(refused, key=lambda v: v.retry_after)
        return min(verdicts, key=lambda v: v.remaining)

    @staticmethod
    def _one(store: Store, rule: RateLimit, name: str, now: float, count: bool) -> Verdict:
        second = int(now)
        window_start = second - second % rule.window
        reset = window_start + rule.window
        used = (
            store.ratelimits.hit(name, window_start=window_start)
            if count
            else store.ratelimits.peek(name, window_start=window_start)
        )
        exceeded = count and used > rule.limit
        return Verdict(
            limit=rule.limit,
            remaining=max(0, rule.limit - used),
            reset=reset,
            exceeded=exceeded,
            retry_after=max(1, reset - second),
        )

    def _maybe_prune(self, store: Store, now: float) -> None:
        if now - self._last_prune < PRUNE_EVERY_SECONDS or not self._prune_lock.acquire(False):
            return
        try:
            self._last_prune = now
            rules = (self.general, self.login, self.web)
            longest = max(r.window for r in rules if r is not None)
            store.ratelimits.prune(before=int(now) - longest)
        finally:
            self._prune_lock.release()
