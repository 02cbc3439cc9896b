"""The fixed URLs of the web dashboard that more than one module needs (the contract of the issue:
``/login``, ``/logout``, assets under ``/static/``; the API stays under ``/api``)."""

from __future__ import annotations

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
HOME_PATH = "/"
STATIC_PREFIX = "/static/"


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this server to go back to after sign-in, else ``None``.

    Only a local absolute path qualifies: ``//host`` and ``/\\host`` are other sites to a browser,
    and sign-in or sign-out pages are not worth returning to.
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or any(ch in value for ch in "\r\n\t"):
        return None
    if value.split("?", 1)[0] in (LOGIN_PATH, LOGOUT_PATH):
        return None
    return value
