"""Repository security checks: secret scanning, Dependabot, code scanning, keys, exposure, policy.

Each reads per-repository sources of the inventory. Three readings are deliberate:

- ``security_and_analysis`` is shown only to admins and security managers; when it is absent the
  secret-scanning check reports ERROR naming that need instead of assuming "disabled".
- Vulnerability SLAs are measured from the alert's ``created_at`` to the evaluation time
  (``settings.now`` or the collection time), per severity; a repository with Dependabot alerts
  switched off cannot show SLA compliance, which is a WARNING here (the missing alerts themselves
  FAIL in ``github_repo_dependabot_alerts``).
- Dependabot *alerts* (a vulnerable dependency is reported) and Dependabot *security updates* (a
  fix pull request is opened for it) are separate settings and separate checks; security updates
  are read from ``security_and_analysis`` like secret scanning, hidden = ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING, CheckResult, CheckSettings, check
from sentinel_cli.checks.github._util import (
    each_repo,
    evaluation_time,
    iso,
    org_source,
    parse_time,
)
from sentinel_cli.inventory.github import GithubInventory


def _status(block: object) -> str | None:
    return str(block.get("status")) if isinstance(block, Mapping) and block.get("status") else None


@check("github_repo_secret_scanning")
def secret_scanning(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_secret_scanning"
    for view in each_repo(inv, ("repo_details",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        analysis = (view.values["repo_details"] or {}).get("security_and_analysis")
        scanning = _status((analysis or {}).get("secret_scanning"))
        push = _status((analysis or {}).get("secret_scanning_push_protection"))
        data = {"secretScanning": scanning, "pushProtection": push}
        if scanning is None:
            yield view.result(
                cid,
                ERROR,
                "Could not evaluate: security_and_analysis is not visible to the token "
                "(GitHub shows it to repository admins and security managers).",
                {
                    **data,
                    "permissionNeeded": "admin on the repository or the security manager role",
                },
            )
        elif scanning != "enabled":
            yield view.result(
                cid, FAIL, "Secret scanning is disabled: leaked credentials go unnoticed.", data
            )
        elif push != "enabled":
            yield view.result(
                cid,
                WARNING,
                "Secret scanning is on but push protection is off: secrets are found only "
                "after the push.",
                data,
            )
        else:
            yield view.result(cid, PASS, "Secret scanning and push protection are enabled.", data)


@check("github_repo_dependabot_alerts")
def dependabot_alerts(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_dependabot_alerts"
    for view in each_repo(inv, ("vulnerability_alerts",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        on = view.values["vulnerability_alerts"] is True
        yield view.result(
            cid,
            PASS if on else FAIL,
            "Dependabot alerts are enabled."
            if on
            else "Dependabot alerts are disabled: vulnerable dependencies go unreported.",
            {"vulnerabilityAlerts": on},
        )


SECURITY_UPDATES_NEED = "admin on the repository or the security manager role"


def _security_updates(inv: GithubInventory, full: str) -> tuple[str, dict[str, Any]] | None:
    """('enabled' | 'disabled' | 'paused' | 'hidden', data) for one repository, or None when a
    source it needs failed (the runner reports that) or was not collected.

    The repository JSON's ``security_and_analysis`` answers first; the collector reads
    ``/automated-security-fixes`` only when an admin's JSON lacked the field.
    """
    if full in inv.automated_security_fixes:
        answer = inv.automated_security_fixes[full]
        if answer is None:
            return "disabled", {"source": "automated-security-fixes", "dependabotEnabled": False}
        enabled = answer.get("enabled") is True
        paused = answer.get("paused") is True
        state = ("paused" if paused else "enabled") if enabled else "disabled"
        return state, {"source": "automated-security-fixes", "enabled": enabled, "paused": paused}
    if inv.failed("automated_security_fixes", full) or inv.failed("repo_details", full):
        return None
    if full not in inv.repo_details:
        return None
    analysis = (inv.repo_details[full] or {}).get("security_and_analysis")
    status = _status((analysis or {}).get("dependabot_security_updates"))
    if status is None:
        return "hidden", {"source": "security_and_analysis", "status": "not shown"}
    return ("enabled" if status == "enabled" else "disabled"), {
        "source": "security_and_analysis",
        "status": status,
    }


@check("github_repo_dependabot_security_updates")
def dependabot_security_updates(
    inv: GithubInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    cid = "github_repo_dependabot_security_updates"
    for view in each_repo(inv, ()):
        full = view.full_name
        found = _security_updates(inv, full)
        if found is None:
            if not (
                inv.failed("automated_security_fixes", full) or inv.failed("repo_details", full)
            ):
                yield view.result(
                    cid,
                    ERROR,
                    f"Could not evaluate: repo_details was not collected for {full}.",
                    {"notCollected": ["repo_details"]},
                )
            continue
        state, data = found
        alerts = inv.vulnerability_alerts.get(full)
        if alerts is not None:
            data["dependabotAlerts"] = alerts is True
        if state == "hidden":
            yield view.result(
                cid,
                ERROR,
                "Could not evaluate: security_and_analysis is not visible to the token "
                "(GitHub shows it to repository admins and security managers).",
                {**data, "permissionNeeded": SECURITY_UPDATES_NEED},
            )
        elif state == "enabled":
            yield view.result(
                cid,
                PASS,
                "Dependabot security updates are enabled: fixes for vulnerable dependencies "
                "arrive as pull requests.",
                data,
            )
        elif state == "paused":
            yield view.result(
                cid,
                WARNING,
                "Dependabot security updates are enabled but paused by GitHub (an inactive "
                "repository): no fix pull requests are opened.",
                data,
            )
        elif data.get("dependabotAlerts") is False:
            yield view.result(
                cid,
                FAIL,
                "Dependabot security updates are disabled, and so are Dependabot alerts: "
                "vulnerable dependencies are neither reported nor fixed by pull request.",
                data,
            )
        else:
            yield view.result(
                cid,
                FAIL,
                "Dependabot security updates are disabled: vulnerable dependencies may be "
                "reported, but no fix pull request is opened.",
                data,
            )


def _severity(alert: Mapping[str, Any]) -> str:
    advisory = alert.get("security_advisory") or {}
    vuln = alert.get("security_vulnerability") or {}
    return str(advisory.get("severity") or vuln.get("severity") or "unknown").lower()


@check("github_repo_vuln_sla")
def vuln_sla(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_vuln_sla"
    now = evaluation_time(inv, settings)
    limits = {
        "critical": settings.github_vuln_sla_critical_hours,
        "high": settings.github_vuln_sla_high_days * 24,
    }
    for view in each_repo(inv, ("vulnerability_alerts",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        if view.values["vulnerability_alerts"] is not True:
            yield view.result(
                cid,
                WARNING,
                "Dependabot alerts are disabled, so remediation times cannot be shown.",
                {"vulnerabilityAlerts": False},
            )
            continue
        if inv.failed("dependabot_alerts", view.full_name):
            continue  # the runner reports why the alert list is missing
        alerts = inv.dependabot_alerts.get(view.full_name)
        if alerts is None:
            yield view.result(
                cid, ERROR, "Could not evaluate: open Dependabot alerts were not collected.", {}
            )
            continue
        breaches: list[dict[str, Any]] = []
        within: list[dict[str, Any]] = []
        for alert in alerts:
            severity = _severity(alert)
            if severity not in limits or alert.get("state", "open") != "open":
                continue
            created = parse_time(alert.get("created_at"))
            age_h = (now - created).total_seconds() / 3600 if created else None
            entry = {
                "number": alert.get("number"),
                "severity": severity,
                "package": ((alert.get("dependency") or {}).get("package") or {}).get("name"),
                "advisory": (alert.get("security_advisory") or {}).get("ghsa_id"),
                "createdAt": iso(created),
                "ageHours": round(age_h, 1) if age_h is not None else None,
                "slaHours": limits[severity],
                "url": alert.get("html_url"),
            }
            (breaches if age_h is None or age_h > limits[severity] else within).append(entry)
        data = {
            "slaHours": limits,
            "overdue": breaches,
            "withinSla": within,
        }
        if breaches:
            listed = ", ".join(
                f"#{b['number']} ({b['severity']}, {b['package']})" for b in breaches
            )
            yield view.result(
                cid,
                FAIL,
                f"{len(breaches)} open alert(s) past their remediation SLA: {listed}.",
                data,
            )
        elif within:
            yield view.result(
                cid, PASS, f"{len(within)} open critical/high alert(s), all within their SLA.", data
            )
        else:
            yield view.result(cid, PASS, "No open critical or high Dependabot alerts.", data)


@check("github_repo_code_scanning")
def code_scanning(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_code_scanning"
    now = evaluation_time(inv, settings)
    max_age = settings.github_code_scanning_max_age_days
    for view in each_repo(inv, ("code_scanning_analyses",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        analyses = list(view.values["code_scanning_analyses"] or [])
        stamps = [(parse_time(a.get("created_at")), a) for a in analyses]
        dated = [(t, a) for t, a in stamps if t is not None]
        if not dated:
            yield view.result(
                cid,
                FAIL,
                "No code scanning analysis exists for the default branch.",
                {"analyses": 0},
            )
            continue
        latest, analysis = max(dated, key=lambda pair: pair[0])
        age = (now - latest).total_seconds() / 86400
        data = {
            "latestAnalysisAt": iso(latest),
            "ageDays": round(age, 1),
            "maxAgeDays": max_age,
            "tool": (analysis.get("tool") or {}).get("name"),
            "analyses": len(analyses),
        }
        if age <= max_age:
            yield view.result(
                cid,
                PASS,
                f"Code scanning ({data['tool']}) last analysed the default branch "
                f"{age:.0f} day(s) ago.",
                data,
            )
        else:
            yield view.result(
                cid,
                FAIL,
                f"The latest code scanning analysis is {age:.0f} days old (limit {max_age}).",
                data,
            )


@check("github_repo_deploy_keys_read_only")
def deploy_keys_read_only(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_deploy_keys_read_only"
    for view in each_repo(inv, ("deploy_keys",)):
        if view.missing:
            yield view.not_collected(cid)
            continue
        keys = list(view.values["deploy_keys"] or [])
        writable = [
            {"id": k.get("id"), "title": k.get("title")}
            for k in keys
            if k.get("read_only") is False
        ]
        data = {"deployKeys": len(keys), "writableKeys": writable}
        if writable:
            names = ", ".join(f"{k['title']} (#{k['id']})" for k in writable)
            yield view.result(
                cid,
                FAIL,
                f"Deploy key(s) with write access, outside any user's review: {names}.",
                data,
            )
        else:
            yield view.result(
                cid,
                PASS,
                f"All {len(keys)} deploy key(s) are read-only."
                if keys
                else "The repository has no deploy keys.",
                data,
            )


@check("github_repo_public_allowed")
def public_allowed(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_public_allowed"
    allowed = {a.lower() for a in settings.allowed_public_repositories}
    for view in each_repo(inv, (), public_only=True):
        name = view.full_name.lower()
        listed = name in allowed or name.split("/", 1)[-1] in allowed
        data = {"visibility": "public", "allowListed": listed}
        if listed:
            yield view.result(
                cid,
                PASS,
                f"{view.full_name} is public on purpose (allow-listed in settings).",
                data,
            )
        else:
            yield view.result(
                cid,
                FAIL,
                f"{view.full_name} is public and not on the allow-list of public repositories.",
                data,
            )


@check("github_repo_security_policy")
def security_policy(inv: GithubInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    cid = "github_repo_security_policy"
    org_failed = inv.failed("org_security_policy")
    for view in each_repo(inv, ("security_policy",), public_only=True):
        if view.missing:
            yield view.not_collected(cid)
            continue
        path = view.values["security_policy"]
        if path:
            where = "the organization default " + path if ":" in str(path) else path
            yield view.result(
                cid,
                PASS,
                f"The repository publishes a security policy ({where}).",
                {"securityPolicy": path},
            )
        elif org_failed:
            continue  # the org default could not be read: the runner reports it on the org
        else:
            yield view.result(
                cid,
                FAIL,
                "The public repository has no SECURITY.md telling reporters how to disclose "
                "vulnerabilities.",
                {"securityPolicy": None, "orgDefault": org_source(inv, "org_security_policy")},
            )
