"""Who may see a page: the dependencies page routes take (``Viewer``, ``Member``, ``Admin``).

The API's middleware has already looked up the browser's session before routing (``gate``) and
left it in the request state; these dependencies only read it and compare roles, with the same
ranking as the API (``operations.users.role_rank``), the user's *current* role counting. Without a
valid session the page answers with a redirect to the sign-in page (``SignInRequired``); with too
low a role, 403 (``PageForbidden``). ``errors`` turns both into responses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from sentinel_cli.operations.users import role_rank
from sentinel_cli.web.sessions import WebSession


class SignInRequired(Exception):
    """No valid session: send the browser to the sign-in page."""


class PageForbidden(Exception):
    """Signed in, but the role is too low for this page or action."""

    def __init__(self, role: str, needed: str) -> None:
        super().__init__(f"this page needs the {needed} role; you are {role}")
        self.message = str(self)


def current_session(request: Request) -> WebSession | None:
    """The request's valid session, as the middleware found it (``None`` when signed out)."""
    session = request.scope.get("state", {}).get("web_session")
    return session if isinstance(session, WebSession) else None


def can(session: WebSession | None, role: str) -> bool:
    """Whether the signed-in user has at least ``role`` (templates use it to hide controls)."""
    return session is not None and role_rank(session.role) >= role_rank(role)


def require(role: str) -> Callable[[Request], Awaitable[WebSession]]:
    async def dependency(request: Request) -> WebSession:
        session = current_session(request)
        if session is None:
            raise SignInRequired()
        if not can(session, role):
            raise PageForbidden(session.role, role)
        return session

    dependency.__name__ = f"page_{role.lower()}"
    return dependency


Viewer = Annotated[WebSession, Depends(require("VIEWER"))]
Member = Annotated[WebSession, Depends(require("MEMBER"))]
Admin = Annotated[WebSession, Depends(require("ADMIN"))]
