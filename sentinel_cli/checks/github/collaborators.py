"""Outside collaborators' rights: no outside collaborator administers a repository.

``github_org_outside_collaborators`` asks whether each outside collaborator's *access* was
approved (the allow-list). This check asks what that access *is*: the role each one holds on each
repository, from one ``collaborators?affiliation=outside`` listing per repository. Admin on any
repository is FAIL even for an allow-listed person, because admin lets them change the branch
protection, add collaborators and delete the repository — outside every control the organization
applies to its members. Allow-listing approves access, not admin rights.

A person with no admin role on the repositories read is PASS only when every repository's list was
read: with one unreadable list, admin there cannot be ruled out, so the item is ERROR naming the
repositories (the runner also reports each unreadable repository). Archived repositories are not
collected and so not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import USER, each_repo, login_of, org_result, org_source
from sentinel_cli.inventory.github import GithubInventory

CHECK_ID = "github_org_outside_collaborators_no_admin"

# Built-in roles from the most to the least powerful, for a stable, readable summary.
ROLE_ORDER: tuple[str, ...] = ("admin", "maintain", "write", "triage", "read")


def role_of(person: Mapping[str, Any]) -> str:
    """The collaborator's role on the repository: ``role_name`` when GitHub gives it (it may name
    a custom role), else the strongest of the ``permissions`` flags."""
    named = person.get("role_name")
    if isinstance(named, str) and named:
        return named
    flags = person.get("permissions") or {}
    for flag, role in (
        ("admin", "admin"),
        ("maintain", "maintain"),
        ("push", "write"),
        ("triage", "triage"),
        ("pull", "read"),
    ):
        if flags.get(flag) is True:
            return role
    return "unknown"


def is_admin(person: Mapping[str, Any]) -> bool:
    """Admin through the built-in role or a custom role built on it (``permissions.admin``)."""
    flags = person.get("permissions") or {}
    return flags.get("admin") is True or person.get("role_name") == "admin"


def _summary(access: Mapping[str, str]) -> str:
    """'write on 2 repositories, read on 1' — counts by role, strongest first."""
    counts: dict[str, int] = {}
    for role in access.values():
        counts[role] = counts.get(role, 0) + 1
    ordered = sorted(
        counts,
        key=lambda r: (ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER), r),
    )
    return ", ".join(
        f"{role} on {counts[role]} {'repository' if counts[role] == 1 else 'repositories'}"
        for role in ordered
    )


@check(CHECK_ID)
def outside_collaborators_no_admin(
    inv: GithubInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    if inv.repos is None or inv.failed("repos"):
        return  # no repository list: the runner reports why
    people = org_source(inv, "outside_collaborators")
    access: dict[str, dict[str, str]] = {}
    admin_on: dict[str, list[str]] = {}
    logins: dict[str, str] = {}
    unread: list[str] = []
    for view in each_repo(inv, ("repo_outside_collaborators",)):
        if view.missing:
            unread.append(view.full_name)
            continue
        for person in view.values["repo_outside_collaborators"] or []:
            login = login_of(person)
            if not login:
                continue
            key = login.lower()
            logins.setdefault(key, login)
            access.setdefault(key, {})[view.full_name] = role_of(person)
            if is_admin(person):
                admin_on.setdefault(key, []).append(view.full_name)
    unread += [r for r in inv.repo_names() if inv.failed("repo_outside_collaborators", r)]
    unread = sorted(set(unread))
    for person in people or []:
        login = login_of(person)
        if login:
            logins.setdefault(login.lower(), login)

    if not logins:
        if people is not None:
            # The organization's own list is authoritative on who is an outside collaborator.
            yield org_result(
                inv,
                CHECK_ID,
                PASS,
                "The organization has no outside collaborators, so none administers a repository.",
                {"outsideCollaborators": []},
            )
        return

    allowed = {a.lower() for a in settings.allowed_outside_collaborators}
    for key in sorted(logins):
        login = logins[key]
        repos = dict(sorted(access.get(key, {}).items()))
        admins = sorted(admin_on.get(key, []))
        data: dict[str, Any] = {
            "login": login,
            "allowListed": key in allowed,
            "repositories": repos,
            "adminOn": admins,
            "unreadRepositories": unread,
        }
        resource = f"{inv.org_login}#user-{login}"
        if admins:
            listed = (
                "allow-listed for access, which does not approve admin rights"
                if key in allowed
                else "not on the allow-list"
            )
            message = (
                f"Outside collaborator {login} has admin on {len(admins)} "
                f"{'repository' if len(admins) == 1 else 'repositories'}: {', '.join(admins)} "
                f"({listed})."
            )
            yield CheckResult(CHECK_ID, FAIL, resource, USER, message, data=data)
        elif unread:
            yield CheckResult(
                CHECK_ID,
                ERROR,
                resource,
                USER,
                f"Could not evaluate: the outside collaborators of {len(unread)} "
                f"{'repository' if len(unread) == 1 else 'repositories'} could not be read "
                f"({', '.join(unread[:10])}{', ...' if len(unread) > 10 else ''}), so admin "
                f"rights of {login} there cannot be ruled out.",
                data=data,
            )
        elif repos:
            yield CheckResult(
                CHECK_ID,
                PASS,
                resource,
                USER,
                f"Outside collaborator {login} has no admin rights: {_summary(repos)}.",
                data=data,
            )
        else:
            yield CheckResult(
                CHECK_ID,
                PASS,
                resource,
                USER,
                f"Outside collaborator {login} has no role on any active (non-archived) "
                "repository.",
                data=data,
            )
