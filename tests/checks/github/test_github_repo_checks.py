"""Repository security checks: secret scanning, Dependabot, SLAs, code scanning, keys, exposure."""

from __future__ import annotations

from typing import Any

from gh_inventory import (
    ORG,
    ago,
    fetch_error,
    inventory,
    per,
    repo,
    run_check,
    run_with_runner,
    statuses,
)

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

API = f"{ORG}/api"


def _one(check_id: str, inv, **settings: Any):
    [r] = run_check(check_id, inv, **settings)
    assert (r.resource_id, r.resource_type) == (API, "github-repository")
    return r


# ---- github_repo_secret_scanning -------------------------------------------------------------


def _details(scanning: str | None, push: str | None = "enabled") -> dict[str, Any]:
    if scanning is None:
        return {"full_name": API}
    return {
        "full_name": API,
        "security_and_analysis": {
            "secret_scanning": {"status": scanning},
            "secret_scanning_push_protection": {"status": push},
        },
    }


def test_secret_scanning():
    def run(details: dict) -> str:
        return _one(
            "github_repo_secret_scanning", inventory(repo("api"), repo_details=per("api", details))
        ).status

    assert run(_details("enabled")) == PASS
    assert run(_details("disabled", "disabled")) == FAIL
    assert run(_details("enabled", "disabled")) == WARNING
    # Edge: security_and_analysis hidden from a non-admin token -> ERROR naming the need.
    r = _one(
        "github_repo_secret_scanning",
        inventory(repo("api", admin=False), repo_details=per("api", _details(None))),
    )
    assert r.status == ERROR and "security manager" in r.data["permissionNeeded"]


# ---- github_repo_dependabot_alerts -----------------------------------------------------------


def test_dependabot_alerts_enabled_disabled_and_unreadable():
    assert (
        _one(
            "github_repo_dependabot_alerts",
            inventory(repo("api"), vulnerability_alerts=per("api", True)),
        ).status
        == PASS
    )
    assert (
        _one(
            "github_repo_dependabot_alerts",
            inventory(repo("api"), vulnerability_alerts=per("api", False)),
        ).status
        == FAIL
    )
    inv = inventory(
        repo("api", admin=False),
        errors=(fetch_error("vulnerability_alerts", API, "admin on the repository"),),
    )
    assert run_check("github_repo_dependabot_alerts", inv) == []
    [r] = run_with_runner("github_repo_dependabot_alerts", inv)
    assert (r.status, r.resource_id) == (ERROR, API)


# ---- github_repo_dependabot_security_updates -------------------------------------------------

UPDATES = "github_repo_dependabot_security_updates"


def _with_updates(status: str | None) -> dict[str, Any]:
    analysis: dict[str, Any] = {"secret_scanning": {"status": "enabled"}}
    if status is not None:
        analysis["dependabot_security_updates"] = {"status": status}
    return {"full_name": API, "security_and_analysis": analysis}


def test_security_updates_read_from_security_and_analysis():
    def run(status: str, alerts: bool = True):
        inv = inventory(
            repo("api"),
            repo_details=per("api", _with_updates(status)),
            vulnerability_alerts=per("api", alerts),
        )
        return _one(UPDATES, inv)

    ok = run("enabled")
    assert ok.status == PASS and ok.data["source"] == "security_and_analysis"
    off = run("disabled")
    assert off.status == FAIL and "no fix pull request" in off.message
    assert off.data["dependabotAlerts"] is True
    # Alerts on and security updates off are two settings: alerts PASS, updates FAIL.
    both_off = run("disabled", alerts=False)
    assert both_off.status == FAIL and "neither reported nor fixed" in both_off.message


def test_security_updates_from_the_dedicated_endpoint_when_the_field_is_absent():
    def run(answer: dict[str, bool] | None):
        inv = inventory(
            repo("api"),
            repo_details=per("api", _with_updates(None)),
            automated_security_fixes=per("api", answer),
        )
        return _one(UPDATES, inv)

    assert run({"enabled": True, "paused": False}).status == PASS
    paused = run({"enabled": True, "paused": True})
    assert paused.status == WARNING and "paused" in paused.message
    assert run({"enabled": False, "paused": False}).status == FAIL
    none = run(None)  # 404 to an admin: Dependabot is not enabled
    assert none.status == FAIL and none.data["dependabotEnabled"] is False


def test_security_updates_hidden_from_a_non_admin_is_error_never_fail():
    inv = inventory(repo("api", admin=False), repo_details=per("api", {"full_name": API}))
    r = _one(UPDATES, inv)
    assert r.status == ERROR and "admin" in r.data["permissionNeeded"]


def test_security_updates_unreadable_sources_are_errors_from_the_runner():
    inv = inventory(
        repo("api"),
        repo_details=per("api", _with_updates(None)),
        errors=(fetch_error("automated_security_fixes", API, "admin on the repository"),),
    )
    assert run_check(UPDATES, inv) == []
    [r] = run_with_runner(UPDATES, inv)
    assert (r.status, r.resource_id) == (ERROR, API)
    inv = inventory(repo("api"), errors=(fetch_error("repo_details", API),))
    assert statuses(run_with_runner(UPDATES, inv)) == {API: ERROR}
    # Neither a value nor an error: a collector gap, reported, never PASS.
    [gap] = run_check(UPDATES, inventory(repo("api")))
    assert gap.status == ERROR and "not collected" in gap.message


# ---- github_repo_vuln_sla --------------------------------------------------------------------


def _alert(number: int, severity: str, created: str) -> dict[str, Any]:
    return {
        "number": number,
        "state": "open",
        "created_at": created,
        "security_advisory": {"severity": severity, "ghsa_id": f"GHSA-{number}"},
        "dependency": {"package": {"name": "lodash"}},
    }


def test_vuln_sla():
    def run(alerts: list, **settings: Any):
        inv = inventory(
            repo("api"), vulnerability_alerts=per("api", True), dependabot_alerts=per("api", alerts)
        )
        return _one("github_repo_vuln_sla", inv, **settings)

    assert run([]).status == PASS
    assert run([_alert(1, "critical", ago(hours=3)), _alert(2, "high", ago(days=6))]).status == PASS
    late = run([_alert(1, "critical", ago(hours=30)), _alert(2, "high", ago(days=1))])
    assert late.status == FAIL and [b["number"] for b in late.data["overdue"]] == [1]
    assert run([_alert(3, "high", ago(days=8))]).status == FAIL
    # Edge: thresholds are settings; a 48 h critical SLA accepts the 30 h old alert.
    assert (
        run([_alert(1, "critical", ago(hours=30))], github_vuln_sla_critical_hours=48).status
        == PASS
    )


def test_vuln_sla_alerts_disabled_is_warning_and_missing_scope_is_error():
    inv = inventory(repo("api"), vulnerability_alerts=per("api", False))
    assert _one("github_repo_vuln_sla", inv).status == WARNING
    need = "token scope security_events"
    inv = inventory(
        repo("api"),
        vulnerability_alerts=per("api", True),
        errors=(fetch_error("dependabot_alerts", API, need),),
    )
    [r] = run_with_runner("github_repo_vuln_sla", inv)
    assert (r.status, r.resource_id) == (ERROR, API) and "security_events" in r.message


# ---- github_repo_code_scanning ---------------------------------------------------------------


def test_code_scanning():
    def run(analyses: list, **settings: Any):
        return _one(
            "github_repo_code_scanning",
            inventory(repo("api"), code_scanning_analyses=per("api", analyses)),
            **settings,
        )

    recent = {"created_at": ago(days=2), "tool": {"name": "CodeQL"}}
    old = {"created_at": ago(days=45), "tool": {"name": "CodeQL"}}
    assert run([old, recent]).status == PASS
    assert run([]).status == FAIL
    assert run([old]).status == FAIL
    assert run([old], github_code_scanning_max_age_days=60).status == PASS


def test_code_scanning_missing_scope_is_error_naming_it():
    need = "token scope security_events"
    inv = inventory(repo("api"), errors=(fetch_error("code_scanning_analyses", API, need),))
    [r] = run_with_runner("github_repo_code_scanning", inv)
    assert (r.status, r.resource_id, r.data["permissionNeeded"]) == (ERROR, API, need)


# ---- github_repo_deploy_keys_read_only ---------------------------------------------------------


def test_deploy_keys():
    def run(keys: list) -> str:
        return _one(
            "github_repo_deploy_keys_read_only",
            inventory(repo("api"), deploy_keys=per("api", keys)),
        ).status

    assert run([{"id": 1, "title": "ci", "read_only": True}]) == PASS
    assert run([]) == PASS
    assert (
        run(
            [
                {"id": 1, "title": "ci", "read_only": True},
                {"id": 2, "title": "bot", "read_only": False},
            ]
        )
        == FAIL
    )


# ---- github_repo_public_allowed / github_repo_security_policy ----------------------------------


def test_public_repositories_allow_list():
    inv = inventory(repo("sdk", public=True), repo("demo", public=True), repo("private"))
    results = run_check(
        "github_repo_public_allowed", inv, allowed_public_repositories=(f"{ORG}/sdk",)
    )
    assert statuses(results) == {f"{ORG}/sdk": PASS, f"{ORG}/demo": FAIL}
    assert "allow-listed" in next(r for r in results if r.status == PASS).message
    # Edge: a bare repository name is accepted in the allow-list too.
    results = run_check(
        "github_repo_public_allowed", inv, allowed_public_repositories=("demo", "sdk")
    )
    assert set(statuses(results).values()) == {PASS}


def test_security_policy():
    inv = inventory(
        repo("sdk", public=True),
        repo("demo", public=True),
        repo("inherits", public=True),
        repo("private"),
        security_policy={
            **per("sdk", ".github/SECURITY.md"),
            **per("demo", None),
            **per("inherits", f"{ORG}/.github:SECURITY.md"),
        },
    )
    results = run_check("github_repo_security_policy", inv)
    assert statuses(results) == {f"{ORG}/sdk": PASS, f"{ORG}/demo": FAIL, f"{ORG}/inherits": PASS}
    # Edge: the org default could not be read -> no verdict on repos without their own file.
    inv = inventory(
        repo("demo", public=True),
        security_policy=per("demo", None),
        errors=(fetch_error("org_security_policy"),),
    )
    assert run_check("github_repo_security_policy", inv) == []
