"""What a check shows a user reads as prose: no leftovers of Python or JSON values.

``None`` in a message is a field that was missing when the message was formatted (the inventory
carried it under another key, or not at all), ``null`` is its JSON twin, and a brace is a dict or
list printed whole, or a template field left unfilled. Each one makes the evidence useless to the
auditor who reads it, so the check-test helpers screen every result they return.

With ``SENTINEL_TEST_RECORD_CHECK_RESULTS`` set to a file path, the screened results are also
appended there as JSON lines, which is how ``tests/checks/test_check_messages.py`` proves that
every catalogued check was screened on its own tests' inventories.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from sentinel_cli.checks.base import CheckResult

LEFTOVERS = ("None", "null", "{", "}")
RECORD_ENV = "SENTINEL_TEST_RECORD_CHECK_RESULTS"


def shown_text(result: CheckResult) -> dict[str, str]:
    """The result's fields a user reads in tables, reports and exports."""
    return {
        "message": result.message,
        "resource_id": result.resource_id,
        "resource_type": result.resource_type,
        "region": result.region or "",
    }


def leftovers(text: str) -> list[str]:
    return [token for token in LEFTOVERS if token in text]


def screen(results: Iterable[CheckResult]) -> None:
    """Assert that every result reads cleanly; record it when a recording file is set."""
    results = list(results)
    for result in results:
        for name, text in shown_text(result).items():
            assert not leftovers(text), (
                f"{result.check_id} {name} shows {leftovers(text)}: {text!r}"
            )
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for result in results:
                out.write(json.dumps({"check_id": result.check_id, **shown_text(result)}) + "\n")
