"""SARIF 2.1.0 output of evidence items, shaped for GitHub code scanning.

Each distinct check becomes a rule of ``runs[0].tool.driver`` (title, catalogue description,
remediation as help, a ``helpUri``, tags with the category and every mapped control, and the
``security-severity`` GitHub uses to rank alerts). Each item becomes a result whose location is the
cloud or GitHub resource: code scanning needs a physical location with a non-empty artifact URI and a
``region.startLine``, so the resource id (percent-encoded into a valid URI reference) stands in for a
file and line 1 for the line. A logical location carries the resource id, type and region as they are.

``partialFingerprints`` hash (integration, check, resource, region) — not the message or the
collection — so the same finding keeps one alert across daily collections. Excepted items carry an
accepted external suppression with the exception's reason; PASS items (when listed) are results of
kind ``pass`` and level ``none``. ERROR items are ``fail`` results at level ``warning``: a check that
could not be evaluated is never reported as a pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from sentinel_cli import __version__

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "Sentinel"
DOCS_URL = "https://example.invalid/sentinel"
FINGERPRINT_KEY = "sentinelFinding/v1"

# GitHub ranks security alerts by this score: >= 9 critical, 7-8.9 high, 4-6.9 medium, < 4 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
MAX_TAGS = 20


def _level(status: str, severity: str) -> str:
    if status == "PASS":
        return "none"
    if status == "FAIL":
        return "note" if severity == "info" else "error"
    return "warning"  # WARNING, and ERROR (could not evaluate)


def _rule_name(check_id: str) -> str:
    return "".join(part.capitalize() for part in check_id.split("_"))


def _uri(resource_id: str) -> str:
    # Keep ARN and path punctuation readable; escape spaces and anything else not allowed.
    return quote(resource_id, safe=":/@!$&'()*+,;=-._~") or "unknown-resource"


def _fingerprint(item: Mapping[str, Any]) -> str:
    key = "|".join(
        str(item.get(k) or "") for k in ("integrationId", "checkId", "resourceId", "region")
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _tags(item: Mapping[str, Any]) -> list[str]:
    tags = ["security", "compliance", str(item["category"])]
    for framework, control_ids in (item.get("controls") or {}).items():
        tags.extend(f"{framework}/{cid}" for cid in control_ids)
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _rule(item: Mapping[str, Any], description: str | None) -> dict[str, Any]:
    remediation = item.get("remediation") or {}
    help_text = remediation.get("text") or "See the check's documentation."
    help_markdown = help_text
    if remediation.get("cli"):
        help_text += f"\n\n{remediation['cli']}"
        help_markdown += f"\n\n```\n{remediation['cli']}\n```"
    return {
        "id": item["checkId"],
        "name": _rule_name(item["checkId"]),
        "shortDescription": {"text": item["title"]},
        "fullDescription": {"text": description or item["title"]},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": f"{DOCS_URL}/checks#{item['checkId']}",
        "defaultConfiguration": {"level": _level("FAIL", item["severity"])},
        "properties": {
            "tags": _tags(item),
            "security-severity": SECURITY_SEVERITY.get(item["severity"], "5.5"),
            "precision": "high",
            "severity": item["severity"],
            "category": item["category"],
            "controls": item.get("controls") or {},
        },
    }


def _result(item: Mapping[str, Any], rule_index: int) -> dict[str, Any]:
    status = item["status"]
    message = item.get("message") or item["title"]
    where = item["resourceId"] + (f" ({item['region']})" if item.get("region") else "")
    logical: dict[str, Any] = {
        "name": item["resourceId"],
        "fullyQualifiedName": "/".join(
            str(p)
            for p in (item["integrationId"], item.get("region") or "global", item["resourceId"])
        ),
        "kind": item["resourceType"],
    }
    result: dict[str, Any] = {
        "ruleId": item["checkId"],
        "ruleIndex": rule_index,
        "kind": "pass" if status == "PASS" else "fail",
        "level": _level(status, item["severity"]),
        "message": {"text": f"{status}: {message} [{where}]"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(item["resourceId"])},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [logical],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(item)},
        "properties": {
            "evidenceId": item["id"],
            "status": status,
            "severity": item["severity"],
            "integrationId": item["integrationId"],
            "jobId": item["jobId"],
            "collectedAt": item["collectedAt"],
            "sha256": item["sha256"],
            "excepted": bool(item.get("excepted")),
        },
    }
    exception = item.get("exception")
    if item.get("excepted") and exception:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": (
                    f"{exception['reason']} (owner {exception['owner']}, "
                    f"until {exception['expiresAt']})"
                ),
                "guid": exception["id"],
            }
        ]
    return result


def sarif_document(
    items: Sequence[Mapping[str, Any]], *, descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The SARIF log (a dict) for ``items`` in API shape."""
    descriptions = descriptions or {}
    rule_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for item in items:
        check_id = item["checkId"]
        if check_id not in rule_index:
            rule_index[check_id] = len(rules)
            rules.append(_rule(item, descriptions.get(check_id)))
        results.append(_result(item, rule_index[check_id]))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": DOCS_URL,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "sentinel/evidence/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(
    items: Sequence[Mapping[str, Any]], *, descriptions: Mapping[str, str] | None = None
) -> str:
    return (
        json.dumps(sarif_document(items, descriptions=descriptions), indent=2, ensure_ascii=False)
        + "\n"
    )
