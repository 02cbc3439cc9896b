"""Domain errors shared by operations, the CLI and the API.

Operations raise these; the CLI maps them to one red line and an exit code (``cli/__init__.py``,
documented in the README's exit-code table) and the API maps them to the error envelope and an HTTP
status (``api/errors.py``). Each error carries a ``hint`` that tells the user what to do next.
Messages must never contain a secret.
"""

from __future__ import annotations


class SentinelError(Exception):
    """Base of every error a user may see. ``exit_code`` and ``http_status`` say how to surface it."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(SentinelError):
    """The user gave a value we cannot use (unknown status, malformed date, bad flag combination)."""

    exit_code = 2
    http_status = 400


class NotFound(SentinelError):
    exit_code = 3
    http_status = 404


class CredentialsRefused(SentinelError):
    """A provider (AWS, GitHub) refused the credentials or the target does not exist."""

    exit_code = 4
    http_status = 400


class ExternalServiceError(SentinelError):
    """A provider could not be reached or answered something we cannot use."""

    exit_code = 4
    http_status = 502


class EndpointUnusable(SentinelError):
    """Mixed into failures that reveal something about a custom endpoint's port or service (could
    not connect, timed out, answered something other than the expected API), so a server can turn
    them all into one message (``egress.EgressPolicy.one_failure_message``)."""


class EndpointUnreachable(ExternalServiceError, EndpointUnusable):
    """A provider's endpoint could not be reached, or did not answer like that provider's API."""


class UnexpectedAnswer(InvalidInput, EndpointUnusable):
    """A custom endpoint answered, but not like the API it was named as (a user's URL mistake)."""


class PlanLimitExceeded(SentinelError):
    exit_code = 5
    http_status = 403


class StoreUnavailable(SentinelError):
    """The home directory or database cannot be used (unreadable, corrupt, newer schema, a
    PostgreSQL server that cannot be reached). The API answers 503: the server is up, its store
    is not, and a retry may well succeed once it is back."""

    exit_code = 6
    http_status = 503


class WorkersUnavailable(SentinelError):
    """No queue worker answered in time for work a request waits on (``sentinel serve --no-worker``
    with no ``sentinel worker`` running, or every worker busy)."""

    exit_code = 6
    http_status = 503


class Conflict(SentinelError):
    """The request clashes with current state (a collection of this integration is running)."""

    exit_code = 7
    http_status = 409


class Unauthorized(SentinelError):
    exit_code = 8
    http_status = 401


class Forbidden(SentinelError):
    exit_code = 8
    http_status = 403


class SecretsUnavailable(SentinelError):
    """A secret the operation needs is missing from the keyring / secrets file."""

    exit_code = 4
    http_status = 400


class SecretsKeyUnusable(SecretsUnavailable):
    """The secrets kept in the store (``SENTINEL_SECRETS_BACKEND=store``) cannot be sealed or
    opened here: no key given, a malformed one, a key other than the one they were written with,
    or a row that fails its integrity check. A deployment's configuration (or its database) is at
    fault, not the request: exit 6 and 503, like a store that cannot be used."""

    exit_code = 6
    http_status = 503


class RateLimited(ExternalServiceError):
    """Sentinel's server refused the request under its rate limit (HTTP 429); exit 4 like a
    provider that cannot serve us now. ``retry_after``: the server's ``Retry-After`` seconds."""

    http_status = 429

    def __init__(self, message: str, *, hint: str | None = None, retry_after: int | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


_BY_STATUS: dict[int, type[SentinelError]] = {
    400: InvalidInput,
    401: Unauthorized,
    403: PlanLimitExceeded,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_for_status(status: int, message: str, *, name: str | None = None) -> SentinelError:
    """The domain error an API error answer stands for: the class its ``X-Sentinel-Error``
    header names when that class answers with this status, else the one the status means
    (``ExternalServiceError`` for any other)."""
    named = error_class(name)
    if named is None or named.http_status != status:
        named = _BY_STATUS.get(status, ExternalServiceError)
    return named(message)


def error_class(name: str | None) -> type[SentinelError] | None:
    """The error class of this module called ``name`` (the API's ``X-Sentinel-Error`` header), so
    a client can raise what the server raised; ``None`` for anything else."""
    found = globals().get(name or "")
    if (
        isinstance(found, type)
        and issubclass(found, SentinelError)
        and found.__module__ == __name__
    ):
        return found
    return None


def error_name(exc: SentinelError) -> str:
    """The name of the nearest class of this module in ``exc``'s ancestry (for that header)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == __name__:
            return cls.__name__
    return SentinelError.__name__
