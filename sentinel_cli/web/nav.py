"""The navigation bar: every page's link, in order, and the lowest role that sees it.

The link names are a contract of the issue (Dashboard, Evidence, Compliance, Integrations,
Policies, Reports, Checks, Exceptions, Billing, and Users for admins only; issue 20 added
Notifications, for admins too). A page module registers its routes itself (``pages``); its link
is one row here, and ``key`` is what the page passes as ``active`` to ``templating.render`` so the
bar marks it as the current page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel_cli.operations.users import role_rank


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    path: str
    role: str = "VIEWER"
    """The lowest role that sees the link (the page's routes check the same role)."""


NAV: tuple[NavLink, ...] = (
    NavLink("dashboard", "Dashboard", "/"),
    NavLink("evidence", "Evidence", "/evidence"),
    NavLink("compliance", "Compliance", "/compliance"),
    NavLink("integrations", "Integrations", "/integrations"),
    NavLink("policies", "Policies", "/policies"),
    NavLink("reports", "Reports", "/reports"),
    NavLink("checks", "Checks", "/checks"),
    NavLink("exceptions", "Exceptions", "/exceptions"),
    NavLink("billing", "Billing", "/billing"),
    NavLink("users", "Users", "/users", role="ADMIN"),
    NavLink("notifications", "Notifications", "/notifications", role="ADMIN"),
)


def visible(role: str) -> list[NavLink]:
    """The links a user with ``role`` sees."""
    return [link for link in NAV if role_rank(role) >= role_rank(link.role)]


def link(key: str) -> NavLink:
    return next(item for item in NAV if item.key == key)
