"""Enterprise Cloud checks on hand-built inventories: SAML SSO and stale members.

Each check gets a passing, a failing and the edge inventories where a wrong answer would be easy:
a refused GraphQL query, an audit log the page cap cut short, a window shorter than the threshold.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gh_inventory import NOW, ORG, ago, fetch_error, inventory, run_check, run_with_runner, statuses

from sentinel_cli.checks.base import ERROR, FAIL, PASS
from sentinel_cli.inventory.fetch import FetchError

SSO = "github_org_sso"
STALE = "github_org_stale_members"
WINDOW_START = (NOW - timedelta(days=180)).strftime("%Y-%m-%dT00:00:00Z")


# ---- github_org_sso --------------------------------------------------------------------------


def test_sso_configured_passes_and_says_enforcement_is_not_visible():
    idp = {"ssoUrl": "https://idp.example.com/sso", "issuer": "https://idp.example.com/"}
    [r] = run_check(SSO, inventory(saml_sso={"samlIdentityProvider": idp}))
    assert (r.status, r.resource_id, r.resource_type) == (PASS, ORG, "github-organization")
    assert "Require SAML SSO" in r.message and "does not say whether SSO is enforced" in r.message
    assert r.data["issuer"] == "https://idp.example.com/" and r.data["enforcementVisible"] is False


def test_sso_not_configured_fails_naming_the_plan():
    [r] = run_check(SSO, inventory(saml_sso={"samlIdentityProvider": None}))
    assert (r.status, r.resource_id) == (FAIL, ORG)
    assert "not configured" in r.message and "Enterprise Cloud" in r.message


def test_sso_refused_query_is_error_naming_the_owner_role_never_fail():
    refused = FetchError(
        "saml_sso",
        "POST /graphql organization.samlIdentityProvider",
        "GraphQL FORBIDDEN at organization.samlIdentityProvider: dave may not see it",
        permission="organization owner (token with admin:org or read:org)",
        error_code="FORBIDDEN",
    )
    inv = inventory(errors=(refused,))
    assert run_check(SSO, inv) == []
    [r] = run_with_runner(SSO, inv)
    assert (r.status, r.resource_id) == (ERROR, ORG)
    assert "organization owner" in r.message and r.data["errorCode"] == "FORBIDDEN"


def test_sso_odd_answer_is_error_and_uncollected_is_silent():
    [r] = run_check(SSO, inventory(saml_sso={}))
    assert r.status == ERROR
    assert run_check(SSO, inventory()) == []


# ---- github_org_stale_members ----------------------------------------------------------------


def _event(actor: str, action: str = "repo.access", user: str | None = None, **when: float) -> dict:
    millis = int((NOW - timedelta(**when)).timestamp() * 1000)
    event: dict[str, Any] = {"@timestamp": millis, "created_at": millis, "action": action}
    event["actor"] = actor
    if user:
        event["user"] = user
    return event


def _log(events: list[dict], *, complete: bool = True, since: str = WINDOW_START) -> dict:
    return {
        "phrase": f"created:>={since[:10]}",
        "since": since,
        "until": ago(),
        "complete": complete,
        "stoppedBecause": "end_of_window" if complete else "page_cap",
        "pages": 2,
        "maxPages": 2,
        "events": sorted(events, key=lambda e: -e["@timestamp"]),
    }


def _members(*logins: str) -> list[dict]:
    return [{"login": login, "type": "User"} for login in logins]


def test_all_members_active_is_one_org_pass():
    events = [_event("alice", days=3), _event("bob", days=179), _event("ci[bot]", days=1)]
    [r] = run_check(STALE, inventory(members=_members("alice", "bob"), audit_log=_log(events)))
    assert (r.status, r.resource_id) == (PASS, ORG)
    assert r.data["members"] == 2 and r.data["thresholdDays"] == 180


def test_each_stale_member_fails_on_their_own_resource():
    events = [
        _event("alice", days=3),
        _event("Bob", days=200),  # read back that far: known to be stale
        _event("alice", "org.add_member", user="erin", days=20),  # new, no own activity
    ]
    inv = inventory(
        members=_members("alice", "bob", "carol", "erin"),
        owners=_members("carol"),
        audit_log=_log(events, since=(NOW - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    results = run_check(STALE, inv)
    assert statuses(results) == {f"{ORG}#user-bob": FAIL, f"{ORG}#user-carol": FAIL}
    bob, carol = sorted(results, key=lambda r: r.resource_id)
    assert bob.resource_type == "github-user" and bob.data["lastActivity"] == ago(days=200)
    assert carol.data["owner"] is True and carol.message.startswith("Owner carol")
    assert carol.data["lastActivity"] is None and "no event since" in carol.message


def test_recently_added_member_without_activity_is_not_stale():
    events = [_event("alice", days=1), _event("alice", "org.add_member", user="erin", days=20)]
    [r] = run_check(STALE, inventory(members=_members("alice", "erin"), audit_log=_log(events)))
    assert r.status == PASS and r.data["newMembers"] == ["erin"]


def test_threshold_comes_from_settings():
    events = [_event("alice", days=3), _event("bob", days=100)]
    inv = inventory(members=_members("alice", "bob"), audit_log=_log(events))
    assert [r.status for r in run_check(STALE, inv)] == [PASS]
    [r] = run_check(STALE, inv, github_stale_member_days=90)
    assert (r.status, r.resource_id, r.data["thresholdDays"]) == (FAIL, f"{ORG}#user-bob", 90)


def test_log_cut_by_the_page_cap_calls_nobody_stale():
    # The cap stopped the read at events 30 days old: carol may have acted 31..180 days ago.
    events = [_event("alice", days=d) for d in range(1, 31)]
    inv = inventory(members=_members("alice", "carol"), audit_log=_log(events, complete=False))
    [r] = run_check(STALE, inv)
    assert (r.status, r.resource_id) == (ERROR, ORG)
    assert "too large to read in full" in r.message
    assert r.data["membersWithoutEvents"] == ["carol"] and r.data["readBackTo"] == ago(days=30)


def test_capped_log_that_still_reaches_past_the_threshold_can_judge():
    events = [_event("alice", days=1), _event("alice", days=95)]
    inv = inventory(members=_members("alice", "carol"), audit_log=_log(events, complete=False))
    [r] = run_check(STALE, inv, github_stale_member_days=90)
    assert (r.status, r.resource_id) == (FAIL, f"{ORG}#user-carol")


def test_window_shorter_than_the_threshold_is_error():
    inv = inventory(members=_members("alice", "carol"), audit_log=_log([_event("alice", days=1)]))
    [r] = run_check(STALE, inv, github_stale_member_days=365)
    assert r.status == ERROR and "less than the 365-day threshold" in r.message


def test_audit_log_refusals_are_errors_naming_why():
    for permission in ("GitHub Enterprise Cloud", "token scope read:audit_log"):
        inv = inventory(
            members=_members("alice"), errors=(fetch_error("audit_log", permission=permission),)
        )
        assert run_check(STALE, inv) == []
        [r] = run_with_runner(STALE, inv)
        assert (r.status, r.resource_id) == (ERROR, ORG) and permission in r.message
    # The member list failing is an ERROR too, never a PASS over nobody.
    inv = inventory(audit_log=_log([]), errors=(fetch_error("members"),))
    assert [r.status for r in run_with_runner(STALE, inv)] == [ERROR]
