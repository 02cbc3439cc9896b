"""JUnit XML output of evidence items, so any CI shows failing evidence as failed tests.

One ``<testsuite>`` per check (its name is the check id, so a CI's test report groups findings the
way the catalogue does) and one ``<testcase>`` per item, named after the resource. A FAIL item gets a
``<failure>``, an ERROR item an ``<error>`` (the check could not be evaluated), an excepted item a
``<skipped>`` with the exception's reason; PASS and WARNING items pass (a WARNING's message goes to
``<system-out>``). Counts on ``<testsuites>`` and each ``<testsuite>`` follow the common JUnit schema
(tests, failures, errors, skipped, time), which Jenkins, GitLab, GitHub test reporters and
``junitparser`` all read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any


def _outcome(item: Mapping[str, Any]) -> str:
    if item.get("excepted"):
        return "skipped"
    return {"FAIL": "failure", "ERROR": "error"}.get(item["status"], "passed")


def _case(suite: ET.Element, item: Mapping[str, Any]) -> str:
    where = f" [{item['region']}]" if item.get("region") else ""
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": f"sentinel.{item['category']}.{item['checkId']}",
            "name": f"{item['resourceId']}{where}",
            "time": "0",
        },
    )
    outcome = _outcome(item)
    message = item.get("message") or item["title"]
    remediation = (item.get("remediation") or {}).get("text") or ""
    details = (
        f"{item['title']}\n{message}\nresource: {item['resourceId']} ({item['resourceType']})\n"
        f"severity: {item['severity']}\nevidence: {item['id']}\n"
        + (f"remediation: {remediation}\n" if remediation else "")
    )
    if outcome == "failure":
        node = ET.SubElement(case, "failure", {"message": message, "type": item["severity"]})
        node.text = details
    elif outcome == "error":
        node = ET.SubElement(case, "error", {"message": message, "type": "ERROR"})
        node.text = details
    elif outcome == "skipped":
        exc = item.get("exception") or {}
        ET.SubElement(
            case,
            "skipped",
            {
                "message": f"{item['status']} excepted: {exc.get('reason', '')} "
                f"(owner {exc.get('owner', '?')}, until {exc.get('expiresAt', '?')})"
            },
        )
    elif item["status"] == "WARNING":
        out = ET.SubElement(case, "system-out")
        out.text = f"WARNING: {message}"
    return outcome


def junit_tree(
    items: Sequence[Mapping[str, Any]], *, name: str = "Sentinel evidence"
) -> ET.Element:
    root = ET.Element("testsuites", {"name": name})
    suites: dict[str, ET.Element] = {}
    tallies: dict[str, dict[str, int]] = {}
    for item in items:
        check_id = item["checkId"]
        if check_id not in suites:
            suites[check_id] = ET.SubElement(
                root,
                "testsuite",
                {"name": check_id, "timestamp": str(item.get("collectedAt") or "")},
            )
            props = ET.SubElement(suites[check_id], "properties")
            for key, value in (
                ("title", item["title"]),
                ("category", item["category"]),
                ("severity", item["severity"]),
                *(
                    (f"controls.{fw}", ",".join(ids))
                    for fw, ids in (item.get("controls") or {}).items()
                ),
            ):
                ET.SubElement(props, "property", {"name": key, "value": str(value)})
            tallies[check_id] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        outcome = _case(suites[check_id], item)
        tally = tallies[check_id]
        tally["tests"] += 1
        if outcome == "failure":
            tally["failures"] += 1
        elif outcome == "error":
            tally["errors"] += 1
        elif outcome == "skipped":
            tally["skipped"] += 1
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check_id, suite in suites.items():
        for key, value in tallies[check_id].items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    return root


def render_junit(items: Sequence[Mapping[str, Any]]) -> str:
    root = junit_tree(items)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
