"""Checks that only GitHub Enterprise Cloud can answer: SAML SSO and member activity.

Both read org-level sources collected with a constant number of calls: the SAML identity provider
(one GraphQL query) and the audit log (a capped walk over the stale-member window). On other
plans GitHub answers "no provider" (a FAIL naming the plan) or 404 for the audit log (ERROR from
the runner, naming why): a missing plan feature is never read as compliance.

Stale members follow the outside-collaborator convention: one PASS on the organization when no
member is stale, else one FAIL per stale member (``acme#user-LOGIN``) so each can be followed up.
Activity is only what the audit log records with the member as ``actor``; a read that the page
cap cut short never calls a member stale, since their activity may sit in the unread part.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import (
    USER,
    evaluation_time,
    iso,
    login_of,
    org_result,
    org_source,
    parse_time,
)
from sentinel_cli.inventory.github import GithubInventory

ENFORCEMENT_NOTE = (
    "GitHub's API does not say whether SSO is enforced: confirm that \"Require SAML SSO "
    "authentication\" is ticked in the organization's Settings > Authentication security."
)
JOIN_ACTIONS = frozenset({"org.add_member"})


# ---- github_org_sso ----------------------------------------------------------------------------


@check("github_org_sso")
def org_sso(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_sso"
    answer = org_source(inv, "saml_sso")
    if answer is None:
        return
    if "samlIdentityProvider" not in answer:
        yield org_result(
            inv,
            cid,
            ERROR,
            "Could not evaluate: the GraphQL answer has no samlIdentityProvider field.",
            {"answer": dict(answer)},
        )
        return
    provider = answer.get("samlIdentityProvider")
    if isinstance(provider, Mapping):
        yield org_result(
            inv,
            cid,
            PASS,
            f"SAML single sign-on is configured (issuer {provider.get('issuer')!r}, sign-on URL "
            f"{provider.get('ssoUrl')!r}). {ENFORCEMENT_NOTE}",
            {
                "samlConfigured": True,
                "issuer": provider.get("issuer"),
                "ssoUrl": provider.get("ssoUrl"),
                "enforcementVisible": False,
            },
        )
        return
    yield org_result(
        inv,
        cid,
        FAIL,
        "SAML single sign-on is not configured for the organization (it needs GitHub Enterprise "
        "Cloud). SAML configured for a whole enterprise does not show on the organization: record "
        "an exception if that is the case.",
        {"samlConfigured": False},
    )


# ---- github_org_stale_members ------------------------------------------------------------------


def _event_time(event: Mapping[str, Any]) -> datetime | None:
    """When an audit-log event happened: ``@timestamp``/``created_at`` are epoch milliseconds
    in GitHub's answers; an ISO string (hand-built inventories, other APIs) is accepted too."""
    for key in ("@timestamp", "created_at"):
        value = event.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        moment = parse_time(value)
        if moment is not None:
            return moment
    return None


@dataclass(frozen=True)
class Activity:
    """What the audit log says about people: newest event per actor and when members joined."""

    last_seen: Mapping[str, datetime]
    joined: Mapping[str, datetime]
    oldest: datetime | None
    count: int

    @classmethod
    def of(cls, events: Iterable[Any]) -> Activity:
        last_seen: dict[str, datetime] = {}
        joined: dict[str, datetime] = {}
        oldest: datetime | None = None
        count = 0
        for event in events:
            if not isinstance(event, Mapping):
                continue
            moment = _event_time(event)
            if moment is None:
                continue
            count += 1
            oldest = moment if oldest is None else min(oldest, moment)
            actor = str(event.get("actor") or "").lower()
            if actor and (actor not in last_seen or moment > last_seen[actor]):
                last_seen[actor] = moment
            user = str(event.get("user") or "").lower()
            if event.get("action") in JOIN_ACTIONS and user:
                joined[user] = max(joined.get(user, moment), moment)
        return cls(last_seen, joined, oldest, count)


def _read_from(log: Mapping[str, Any], activity: Activity) -> datetime | None:
    """The start of the stretch of time the read covers without gaps.

    A complete read covers its whole window; one cut by the page cap covers only back to its
    oldest event (events come newest first), and nothing when it read no event at all.
    """
    if log.get("complete") is not False:
        return parse_time(log.get("since"))
    return activity.oldest


@dataclass(frozen=True)
class Verdict:
    login: str
    stale: bool | None  # None: the read does not reach back far enough to say
    last_seen: datetime | None
    joined: datetime | None


def _verdict(
    login: str, activity: Activity, cutoff: datetime, read_from: datetime | None
) -> Verdict:
    key = login.lower()
    last, joined = activity.last_seen.get(key), activity.joined.get(key)
    if (last is not None and last >= cutoff) or (joined is not None and joined >= cutoff):
        return Verdict(login, False, last, joined)
    if last is not None:
        # Events come newest first, so nothing newer than ``last`` went unread.
        return Verdict(login, True, last, joined)
    known = read_from is not None and read_from <= cutoff
    return Verdict(login, True if known else None, None, joined)


def _unknown_result(
    inv: GithubInventory,
    cid: str,
    log: Mapping[str, Any],
    unknown: list[Verdict],
    days: int,
    read_from: datetime | None,
    activity: Activity,
) -> CheckResult:
    logins = sorted(v.login for v in unknown)
    data = {
        "thresholdDays": days,
        "auditLogSince": log.get("since"),
        "readBackTo": iso(read_from),
        "complete": log.get("complete"),
        "pages": log.get("pages"),
        "maxPages": log.get("maxPages"),
        "eventsRead": activity.count,
        "membersWithoutEvents": logins,
    }
    if log.get("complete") is False:
        reason = (
            f"the audit log was too large to read in full: the {log.get('pages')}-page cap was "
            f"reached with events back to {iso(read_from) or 'no date'}, short of the "
            f"{days}-day window"
        )
    else:
        reason = (
            f"the audit log was read from {log.get('since')} only, less than the {days}-day "
            "threshold (raise the collector's stale_member_days)"
        )
    return org_result(
        inv,
        cid,
        ERROR,
        f"Could not evaluate: {reason}; {len(logins)} member(s) without an event in the part "
        "read are not called stale on partial data.",
        data,
    )


@check("github_org_stale_members")
def stale_members(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_org_stale_members"
    members = org_source(inv, "members")
    log = org_source(inv, "audit_log")
    if members is None or log is None:
        return
    days = settings.github_stale_member_days
    cutoff = evaluation_time(inv, settings) - timedelta(days=days)
    activity = Activity.of(log.get("events") or ())
    read_from = _read_from(log, activity)
    owners = {login_of(o).lower() for o in inv.owners or ()}
    verdicts = [_verdict(login_of(m), activity, cutoff, read_from) for m in members]
    verdicts = sorted((v for v in verdicts if v.login), key=lambda v: v.login.lower())
    unknown = [v for v in verdicts if v.stale is None]
    if unknown:
        yield _unknown_result(inv, cid, log, unknown, days, read_from, activity)
        return
    stale = [v for v in verdicts if v.stale]
    for v in stale:
        when = (
            f"last event {iso(v.last_seen)}"
            if v.last_seen
            else f"no event since {iso(read_from) or log.get('since')}"
        )
        role = "Owner" if v.login.lower() in owners else "Member"
        yield CheckResult(
            cid,
            FAIL,
            f"{inv.org_login}#user-{v.login}",
            USER,
            f"{role} {v.login} has not acted in the organization for more than {days} days "
            f"({when} in the audit log).",
            data={
                "login": v.login,
                "owner": v.login.lower() in owners,
                "lastActivity": iso(v.last_seen),
                "joinedAt": iso(v.joined),
                "thresholdDays": days,
                "auditLogSince": log.get("since"),
            },
        )
    if not stale:
        new = sorted(v.login for v in verdicts if v.last_seen is None and v.joined is not None)
        yield org_result(
            inv,
            cid,
            PASS,
            f"All {len(verdicts)} member(s) acted in the organization within the last {days} days"
            + (f" or joined since ({', '.join(new)})." if new else "."),
            {
                "members": len(verdicts),
                "newMembers": new,
                "thresholdDays": days,
                "auditLogSince": log.get("since"),
                "eventsRead": activity.count,
                "stoppedBecause": log.get("stoppedBecause"),
            },
        )
