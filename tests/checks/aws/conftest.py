"""Fixtures for the AWS check tests: build an inventory and run one check against it.

``run_check`` looks the function up through ``load_checks("aws")`` rather than importing it, so
every test also exercises the catalogue-to-code wiring the runner relies on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.base import STATUSES, CheckResult, CheckSettings
from sentinel_cli.inventory.aws import AwsInventory

from ..result_text import screen
from .builders import inventory

RunCheck = Callable[..., list[CheckResult]]


@pytest.fixture
def make_inventory() -> Callable[..., AwsInventory]:
    """The inventory builder: ``make_inventory(buckets=[...], ...)``."""
    return inventory


@pytest.fixture(scope="session")
def run_check() -> RunCheck:
    """``run_check(check_id, inv, **settings_overrides)`` -> the check's results as a list."""
    checks = {c.meta.id: c for c in load_checks("aws")}

    def run(check_id: str, inv: AwsInventory, **overrides: Any) -> list[CheckResult]:
        results = list(checks[check_id].evaluate(inv, CheckSettings(**overrides)))
        for result in results:
            assert result.check_id == check_id
            assert result.status in STATUSES
            assert result.message
            json.dumps(dict(result.data))  # evidence data must be JSON-serialisable
        screen(results)
        return results

    return run
