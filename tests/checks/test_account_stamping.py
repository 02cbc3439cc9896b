"""Every result of a collection is stamped with the AWS account it is about; GitHub results, whose
inventories have no account, keep none (their evidence's ``account_id`` stays NULL)."""

from __future__ import annotations

from sentinel_cli.checks import load_checks
from sentinel_cli.checks.accounts import inventories, run_account_checks
from sentinel_cli.checks.base import CheckSettings

from .aws.builders import ACCOUNT
from .aws.builders import inventory as aws_inventory
from .github.gh_inventory import inventory as github_inventory
from .github.gh_inventory import repo


def test_a_single_aws_account_stamps_every_result() -> None:
    inv = aws_inventory(password_policy_present=True, account_summary={"AccountMFAEnabled": 0})
    assert inventories(inv) == (inv,)
    results = list(run_account_checks(load_checks("aws"), inv, CheckSettings()))
    assert results and {r.account_id for r in results} == {ACCOUNT}


def test_github_results_have_no_account() -> None:
    inv = github_inventory(repo("api"))
    results = list(run_account_checks(load_checks("github"), inv, CheckSettings()))
    assert results and {r.account_id for r in results} == {None}
